"""What the processes and Ray runners share: how they are made."""

from __future__ import annotations

from typing import Any

from eventsourcing.system import Runner, System
from eventsourcing.utils import EnvType

IN_MEMORY = "eventsourcing.popo"


class PullingRunner(Runner[Any]):
    """What the processes and Ray runners share: the applications they run (names,
    by default all those of default_names) and how often idle followers look for work."""

    def __init__(
        self,
        system: System,
        env: EnvType | None = None,
        names: list[str] | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        super().__init__(system, env)
        self.env_dict = dict(env or {})
        self.names = list(names) if names is not None else self.default_names(system)
        self.poll_interval = poll_interval
        self.set_up()

    def set_up(self) -> None:
        """What a runner checks or prepares when it is made."""

    @staticmethod
    def default_names(system: System) -> list[str]:
        return list(system.followers)
