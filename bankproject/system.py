"""The bank's system: how its applications are put together; a runner for it; the
web process's Commands."""

from __future__ import annotations

import functools
from typing import Any

from eventsourcing.system import Runner, System

from accounts.application import Accounts
from infrastructure.system import PERSISTENCE_MODULES, TRANSCODER, make_system_runner, persistence_env
from sagas.application import Commands, Sagas

# persistence_env and the persistence and transcoder topics are named here too, as before.
__all__ = [
    "PERSISTENCE_MODULES",
    "TRANSCODER",
    "BankAccountSystem",
    "make_runner",
    "persistence_env",
    "recorded_commands",
]


class BankAccountSystem(System):
    """Commands → Sagas → Accounts → Sagas, and, with read_models, the projections
    of accounts (from Accounts) and of requests (from Commands and Sagas) into the
    Django database."""

    def __init__(self, read_models: bool = False) -> None:
        pipes: list[list[type[Any]]] = [[Commands, Sagas, Accounts, Sagas]]
        if read_models:
            # Django code: imported only when the system runs on the Django database.
            from accounts.projections import AccountsProjection
            from sagas.projections import SagasProjection

            pipes += [
                [Accounts, AccountsProjection],
                [Commands, SagasProjection],
                [Sagas, SagasProjection],
            ]
        super().__init__(pipes=pipes)


def make_runner(
    runner: str = "threads",
    persistence: str = "django",
    env: dict[str, str] | None = None,
    **options: Any,
) -> Runner[Any]:
    """An eventsourcing Runner over BankAccountSystem, not yet started (see
    infrastructure.system.make_system_runner). On the Django database the system
    includes the read-model projections."""
    return make_system_runner(
        BankAccountSystem(read_models=persistence == "django"), runner, persistence, env, **options
    )


@functools.cache
def recorded_commands() -> Commands:
    """The web process's Commands, recording requests in the Django database."""
    return Commands(env=persistence_env("django"))
