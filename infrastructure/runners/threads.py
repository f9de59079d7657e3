"""Every follower application in a thread of this process: the worker runsystem runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.application import Application

from infrastructure.runners.base import IN_MEMORY, PullingRunner
from infrastructure.worker import IN_MEMORY_STORE, Prompt, Worker, django_store


class ThreadsRunner(PullingRunner):
    """Runs the system's followers in one Worker here, each in a FollowerLoop thread, and
    its leaders that follow nothing (Commands) beside it, prompting the loops.

    ``get()`` returns an application of this process. On a database, one of its own for
    each follower, reading what the worker has committed (never a batch in progress, which
    may yet roll back); in memory, where nothing is shared, the worker's own.
    """

    def start(self) -> None:
        super().start()
        in_memory = self.env_dict.get("PERSISTENCE_MODULE", IN_MEMORY) == IN_MEMORY
        leaders = {name: self.system.leader_cls(name)(env=self.env_dict) for name in self.system.leaders_only}
        self.worker = Worker(
            self.system,
            self.env_dict,
            self.names,
            notification_sources={name: app.recorder for name, app in leaders.items()},
            poll_interval=self.poll_interval,
            store=IN_MEMORY_STORE if in_memory else django_store(),
        )
        loops = self.worker.loops
        for name, app in leaders.items():
            app.lead(Prompt(loops[f].wakeup for f in self.system.leads.get(name, []) if f in loops))
        self.apps: dict[str, Application[Any]] = dict(leaders)
        for name in self.system.followers:
            if in_memory and name in self.worker.apps:
                self.apps[name] = self.worker.apps[name]
            else:
                self.apps[name] = self.system.follower_cls(name)(env=self.env_dict)
        self.worker.start()

    def stop(self) -> None:
        self.worker.stop()
        for name, app in self.apps.items():
            if app is not self.worker.apps.get(name):
                app.close()
        self.apps.clear()

    def get(self, cls: type[Any]) -> Any:
        return self.apps[cls.name]

    def wait(self, until: Callable[[], bool], interval: float = 0.2) -> str | None:
        return self.worker.wait(until, interval)
