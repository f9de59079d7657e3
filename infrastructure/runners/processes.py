"""One OS process per follower application, each running the worker's loop."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from typing import Any

from eventsourcing.application import Application
from eventsourcing.system import Leader, System

from infrastructure.runners.base import IN_MEMORY, PullingRunner
from infrastructure.worker import Prompt, StopSignals, Worker


def run_worker_process(
    settings_module: str,
    database: dict[str, Any],
    system: System,
    env: dict[str, str],
    names: list[str],
    wakeups: dict[str, Any],
    stopping: Any,
    poll_interval: float,
    parent_pid: int,
) -> None:
    """The body of one worker process: runs the named followers until told to stop,
    its parent dies or a follower thread dies (then it exits 1)."""
    from infrastructure.childprocess import die_with_parent, parent_is_gone, start_django

    die_with_parent(parent_pid)
    # The parent stops its children: Ctrl-C in a terminal reaches them all at once.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signals = StopSignals([signal.SIGTERM])
    start_django(settings_module, database)
    worker = Worker(system, env, names, wakeups=wakeups, poll_interval=poll_interval)
    worker.start()
    died = worker.wait(lambda: bool(signals) or stopping.is_set() or parent_is_gone(parent_pid))
    worker.stop()
    if died:
        sys.exit(1)


class ProcessRunner(PullingRunner):
    """Runs each follower application of the system in its own OS process.

    The processes share the Django database (MariaDB, PostgreSQL or a SQLite file);
    events in memory cannot be shared, so "popo" persistence is refused. Leaders
    run in this process; ``get()`` returns this process's instance of any
    application, which reads and writes the shared database.
    """

    def set_up(self) -> None:
        if self.env_dict.get("PERSISTENCE_MODULE", IN_MEMORY) == IN_MEMORY:
            msg = (
                "the 'processes' runner needs a database its processes share "
                "(persistence 'django'); events in memory live in one process only"
            )
            raise ValueError(msg)
        self.apps: dict[str, Application[Any]] = {}
        self.processes: list[multiprocessing.process.BaseProcess] = []
        self.context = multiprocessing.get_context("spawn")
        # One stop flag per child: stopping one (its SIGTERM) stops no other.
        self.stopping = {name: self.context.Event() for name in self.names}
        self.wakeups = {name: self.context.Event() for name in self.system.followers}

    def start(self) -> None:
        super().start()
        from infrastructure.childprocess import database_settings

        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "bankproject.settings")
        for name in self.names:
            process = self.context.Process(
                target=run_worker_process,
                args=(
                    settings_module,
                    database_settings(),
                    self.system,
                    self.env_dict,
                    [name],
                    self.wakeups,
                    self.stopping[name],
                    self.poll_interval,
                    os.getpid(),
                ),
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
        for stopping in self.stopping.values():
            stopping.set()
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

    def wait(self, until: Callable[[], bool], interval: float = 0.2) -> str | None:
        """Blocks until until() is true (returns None) or a worker process has ended
        (returns which and how): the worker must not live on without it."""
        while not until():
            dead = [p for p in self.processes if not p.is_alive()]
            if dead:
                return f"worker process {dead[0].name} ended with exit code {dead[0].exitcode}"
            time.sleep(interval)
        return None
