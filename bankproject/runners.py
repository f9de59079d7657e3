"""Runners beyond eventsourcing's own: one process per application, and Ray actors.

eventsourcing 9 dropped the multiprocess and Ray runners of earlier versions.
Both are rebuilt here on bankproject.worker: each follower application runs a
FollowerLoop in its own process (or actor), pulling its leaders' notifications,
prompted across processes where possible and polling otherwise.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from typing import Any

from eventsourcing.application import Application
from eventsourcing.system import Leader, Runner, System
from eventsourcing.utils import EnvType

from bankproject.worker import Prompt, Worker

IN_MEMORY = "eventsourcing.popo"


def run_worker_process(
    settings_module: str,
    database: dict[str, Any],
    system: System,
    env: dict[str, str],
    names: list[str],
    wakeups: dict[str, Any],
    stopping: Any,
    poll_interval: float,
) -> None:
    """The body of one worker process: runs the named followers until told to stop."""
    from bankproject.childprocess import start_django

    # The parent stops its children: Ctrl-C in a terminal reaches them all at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    start_django(settings_module, database)
    worker = Worker(system, env, names, wakeups=wakeups, poll_interval=poll_interval)
    worker.start()
    stopping.wait()
    worker.stop()


class ProcessRunner(Runner[Any]):
    """Runs each follower application of the system in its own OS process.

    The processes share the Django database (MariaDB, PostgreSQL or a SQLite file);
    events in memory cannot be shared, so "popo" persistence is refused. Leaders
    run in this process; ``get()`` returns this process's instance of any
    application, which reads and writes the shared database.
    """

    def __init__(
        self,
        system: System,
        env: EnvType | None = None,
        names: list[str] | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        super().__init__(system, env)
        self.env_dict = dict(env or {})
        if self.env_dict.get("PERSISTENCE_MODULE", IN_MEMORY) == IN_MEMORY:
            msg = (
                "the 'processes' runner needs a database its processes share "
                "(persistence 'django'); events in memory live in one process only"
            )
            raise ValueError(msg)
        self.names = list(names) if names is not None else list(system.followers)
        self.poll_interval = poll_interval
        self.apps: dict[str, Application[Any]] = {}
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.context = multiprocessing.get_context("spawn")
        self.stopping = self.context.Event()
        self.wakeups = {name: self.context.Event() for name in system.followers}

    def start(self) -> None:
        super().start()
        from bankproject.childprocess import database_settings

        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "bankproject.settings")
        for name in self.names:
            process = self.context.Process(
                target=run_worker_process,
                args=(settings_module, database_settings(), self.system, self.env_dict, [name],
                      self.wakeups, self.stopping, self.poll_interval),
                name=f"bank-{name}",
            )
            process.start()
            self.processes.append(process)
        for name in self.system.leaders_only:
            self.apps[name] = self.system.leader_cls(name)(env=self.env_dict)
        for name in self.system.followers:
            self.apps[name] = self.system.follower_cls(name)(env=self.env_dict)
        for name, app in self.apps.items():
            if isinstance(app, Leader):
                app.lead(Prompt(self.wakeups[f] for f in self.system.leads.get(name, [])))

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        for process in self.processes:
            process.join(timeout=timeout)
            if process.is_alive():
                process.kill()
                process.join()
        for app in self.apps.values():
            app.close()
        self.apps.clear()

    def get(self, cls: type[Any]) -> Any:
        return self.apps[cls.name]

    def wait(self, stop: threading.Event) -> None:
        """Blocks until stop is set or a worker process dies (then raises)."""
        while not stop.wait(1.0):
            dead = [p for p in self.processes if not p.is_alive()]
            if dead:
                msg = f"worker process {dead[0].name} ended with exit code {dead[0].exitcode}"
                raise RuntimeError(msg)
