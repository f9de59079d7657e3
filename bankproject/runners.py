"""Runners beyond eventsourcing's own: one process per application, and Ray actors.

eventsourcing 9 dropped the multiprocess and Ray runners of earlier versions.
Both are rebuilt here on bankproject.worker: each follower application runs a
FollowerLoop in its own process (or actor), pulling its leaders' notifications,
prompted across processes where possible and polling otherwise.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from eventsourcing.application import Application
from eventsourcing.system import Leader, Runner, System
from eventsourcing.utils import EnvType

from bankproject.worker import CACHED_AGGREGATES_ENV, Prompt, StopSignals, Worker

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
    parent_pid: int,
) -> None:
    """The body of one worker process: runs the named followers until told to stop,
    its parent dies or a follower thread dies (then it exits 1)."""
    from bankproject.childprocess import die_with_parent, parent_is_gone, start_django

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

    @staticmethod
    def default_names(system: System) -> list[str]:
        return list(system.followers)


class ProcessRunner(PullingRunner):
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
        super().__init__(system, env, names, poll_interval)
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
        self.wakeups = {name: self.context.Event() for name in system.followers}

    def start(self) -> None:
        super().start()
        from bankproject.childprocess import database_settings

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


# Ray ------------------------------------------------------------------------

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def start_ray() -> None:
    """Starts Ray for this process, the one place every local Ray start goes through.

    With RAY_ADDRESS set, joins that cluster and ships the project to its workers.
    Otherwise starts a local Ray that touches nothing but 127.0.0.1: on Linux, Ray
    replaces a loopback node address with the machine's network address and binds
    to all interfaces unless these two variables are set before it starts, and the
    dashboard and usage reporting would open more listeners and connections.
    """
    cluster = os.environ.get("RAY_ADDRESS")
    if not cluster:
        # Read by Ray when it is imported and when it starts its servers.
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
        # Local workers inherit this process's environment: they find the project here.
        paths = [PROJECT_DIR, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    import ray

    if ray.is_initialized():
        return
    # ray.init() replaces this process's SIGTERM handler with one that exits at once;
    # the worker's own handler (stop between notifications, exit 0) is put back.
    sigterm_handler = signal.getsignal(signal.SIGTERM)
    if cluster:
        ray.init(address=cluster, runtime_env={"working_dir": PROJECT_DIR})
    else:
        # address="local": a Ray of its own, never one that another process here started.
        ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, sigterm_handler)


class ApplicationActor:
    """One application of the system inside a Ray actor (made remote by RayRunner)."""

    def __init__(
        self,
        system: System,
        env: dict[str, str],
        name: str,
        settings_module: str,
        database: dict[str, Any] | None,
        poll_interval: float,
    ) -> None:
        if database is not None:
            from bankproject.childprocess import start_django

            start_django(settings_module, database)
        self.system = system
        self.name = name
        self.uses_django = database is not None
        if name in system.followers:
            follower_env = {**env, **CACHED_AGGREGATES_ENV} if self.uses_django else env
            self.app: Application[Any] = system.follower_cls(name)(env=follower_env)
        else:
            self.app = system.leader_cls(name)(env=env)
        self.env = env
        self.poll_interval = poll_interval
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None
        self.loop: Any = None

    def connect(self, actors: dict[str, Any]) -> None:
        """Follows this application's leaders and leads its followers."""
        from bankproject.worker import (
            FollowerLoop,
            close_database_connection,
            database_reachable,
            recorded_state,
        )

        prompt = None
        if isinstance(self.app, Leader):
            # Followers run elsewhere (runsystem --apps) poll the database instead.
            followers = [actors[f] for f in self.system.leads.get(self.name, []) if f in actors]
            prompt = ActorPrompt(self.name, followers)
            self.app.lead(prompt)
        if self.name not in self.system.followers:
            return
        sources: dict[str, Any] = {}
        for leader_name in self.system.follows[self.name]:
            if self.uses_django:
                # Through the database, as every other reader does.
                sources[leader_name] = self.system.get_app_cls(leader_name)(env=self.env).recorder
            else:
                sources[leader_name] = ActorNotificationSource(actors[leader_name])
            self.app.follow(leader_name, sources[leader_name])  # type: ignore[attr-defined]
        batch: Any = nullcontext
        in_a_row: Any = nullcontext
        reads_ended: Any = None
        if self.uses_django:
            from bankproject.persistence import batch as database_batch
            from bankproject.persistence import batches_in_a_row, end_reads

            batch = functools.partial(database_batch, self.name)
            in_a_row, reads_ended = batches_in_a_row, end_reads
        self.loop = FollowerLoop(
            self.app,  # type: ignore[arg-type]
            sources,
            poll_interval=self.poll_interval,
            on_error=close_database_connection if self.uses_django else None,
            batch=batch,
            probe=database_reachable if self.uses_django else None,
            record_state=recorded_state if self.uses_django else None,
            batches_in_a_row=in_a_row,
            end_reads=reads_ended,
        )
        if prompt is not None:
            self.loop.after_batch = [prompt]
        self.thread = threading.Thread(target=self.loop.run_until, args=(self.stopping,), daemon=True)
        self.thread.start()

    def prompt(self, leader_name: str) -> None:
        if self.loop is not None:
            self.loop.wakeup.set()

    def call(self, path: list[str], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Calls the application's method at path (e.g. ["recorder", "max_notification_id"])."""
        # Between the follower loop's batches, never during one (see FollowerLoop.lock).
        with self.loop.lock if self.loop is not None else nullcontext():
            target: Any = self.app
            for name in path:
                target = getattr(target, name)
            result = target(*args, **kwargs)
            if hasattr(result, "__next__"):
                result = list(result)  # an iterator cannot cross processes
            return result

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        return self.app.recorder.select_notifications(*args, **kwargs)  # type: ignore[attr-defined]

    def max_notification_id(self) -> int | None:
        return self.app.recorder.max_notification_id()  # type: ignore[attr-defined]

    def stop(self) -> None:
        """Stops processing (the first of two phases: then the runner kills the actors)."""
        self.stopping.set()
        if self.loop is not None:
            self.loop.wakeup.set()
        if self.thread is not None:
            self.thread.join(timeout=10)


class ActorPrompt(Prompt):
    """Prompts follower actors without waiting for them: Sagas and Accounts follow
    each other, so a leader that waited for its follower could wait for ever."""

    def __init__(self, leader_name: str, follower_actors: list[Any]) -> None:
        super().__init__([])
        self.leader_name = leader_name
        self.follower_actors = follower_actors

    def receive_recording_event(self, new_recording_event: Any) -> None:
        self.set()

    def set(self) -> None:
        """Prompts the followers (also called by the leader's loop when a batch commits)."""
        for actor in self.follower_actors:
            actor.prompt.remote(self.leader_name)


class ActorNotificationSource:
    """A leader's notification log, read through its actor (events in memory)."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        import ray

        return ray.get(self.actor.select_notifications.remote(*args, **kwargs))

    def max_notification_id(self) -> int | None:
        import ray

        return ray.get(self.actor.max_notification_id.remote())


class ApplicationProxy:
    """An application in a Ray actor, called as if it were here.

    A domain error raised in the actor reaches the caller as its own class, not
    wrapped in Ray's RayTaskError.
    """

    def __init__(self, actor: Any, path: tuple[str, ...] = ()) -> None:
        self._actor = actor
        self._path = path

    def __getattr__(self, name: str) -> ApplicationProxy:
        if name.startswith("__"):
            raise AttributeError(name)
        return ApplicationProxy(self._actor, (*self._path, name))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        import ray
        from ray.exceptions import RayTaskError

        try:
            return ray.get(self._actor.call.remote(list(self._path), args, kwargs))
        except RayTaskError as error:
            if isinstance(error.cause, Exception):
                raise error.cause from None
            raise


class RayRunner(PullingRunner):
    """Runs each application of the system in a Ray actor.

    Followers pull their leaders' notifications through the database (persistence
    "django") or through the leaders' actors (in memory), prompted by their leaders
    and polling as a fallback. ``get()`` returns a proxy with the application's methods.
    """

    def __init__(
        self,
        system: System,
        env: EnvType | None = None,
        names: list[str] | None = None,
        poll_interval: float = 0.5,
    ) -> None:
        super().__init__(system, env, names, poll_interval)
        self.actors: dict[str, Any] = {}

    @staticmethod
    def default_names(system: System) -> list[str]:
        return list(system.nodes)  # the leaders too: get() returns proxies to every application

    def start(self) -> None:
        super().start()
        start_ray()  # before importing ray: see start_ray
        import ray

        database = None
        if self.env_dict.get("PERSISTENCE_MODULE", IN_MEMORY) != IN_MEMORY:
            from bankproject.childprocess import database_settings

            database = database_settings()
        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "bankproject.settings")
        remote_actor = ray.remote(ApplicationActor)
        for name in self.names:
            self.actors[name] = remote_actor.options(max_concurrency=4).remote(
                self.system, self.env_dict, name, settings_module, database, self.poll_interval
            )
        ray.get([actor.connect.remote(self.actors) for actor in self.actors.values()])

    def stop(self) -> None:
        import ray

        # Two phases: no actor may still be processing (or prompting) when others die.
        ray.get([actor.stop.remote() for actor in self.actors.values()], timeout=30)
        for actor in self.actors.values():
            ray.kill(actor)
        self.actors.clear()

    def get(self, cls: type[Any]) -> Any:
        return ApplicationProxy(self.actors[cls.name])

    def wait(self, until: Callable[[], bool], interval: float = 0.2) -> str | None:
        while not until():
            time.sleep(interval)
        return None
