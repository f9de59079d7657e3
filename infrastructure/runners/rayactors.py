"""Each application of the system in a Ray actor; a follower's actor runs a Worker of one."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from eventsourcing.application import Application
from eventsourcing.system import System

from infrastructure.runners.base import IN_MEMORY, PullingRunner
from infrastructure.worker import IN_MEMORY_STORE, Prompt, Worker, django_store

PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def start_ray() -> None:
    """Starts Ray for this process, the one place every local Ray start goes through.

    With RAY_ADDRESS set, joins that cluster and ships the project to its workers.
    Otherwise starts a local Ray that touches nothing but 127.0.0.1: on Linux, Ray
    replaces a loopback node address with the machine's network address and binds
    to all interfaces unless these two variables are set before it starts, and the
    dashboard and usage reporting would open more listeners and connections. A
    cluster on 127.0.0.1 (all its nodes on this machine) is joined the same way:
    Ray would otherwise look for it at the machine's network address.
    """
    cluster = os.environ.get("RAY_ADDRESS")
    if not cluster or cluster.rsplit(":", 1)[0] in ("127.0.0.1", "localhost"):
        # Read by Ray when it is imported and when it starts its servers.
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    if not cluster:
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
        ray.init(address=cluster, runtime_env=cluster_runtime_env())
    else:
        # address="local": a Ray of its own, never one that another process here started.
        ray.init(address="local", _node_ip_address="127.0.0.1", include_dashboard=False, log_to_driver=False)
        # Ray's agents would outlive this process by a minute if it were killed (see there).
        from infrastructure.childprocess import end_with_this_process

        node = ray._private.worker.global_worker.node
        end_with_this_process([process.pid for _, process in node.live_processes()])
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, sigterm_handler)


# What the project directory holds that its actors do not need (Ray ships at most 100 MiB).
NOT_SHIPPED = [".git", ".venv", "venv", "var", "__pycache__", ".*_cache", "benchmarks/results"]


def cluster_runtime_env() -> dict[str, Any]:
    """How the actors on a Ray cluster get the project: its code (uploaded from here) and
    this process's bank and Django settings (DATABASE_URL, DJANGO_…, BANK_…), so that the
    cluster's nodes need nothing but Python with the requirements installed."""
    settings = {
        name: value
        for name, value in os.environ.items()
        if name == "DATABASE_URL" or name.startswith(("DJANGO_", "BANK_"))
    }
    return {"working_dir": PROJECT_DIR, "excludes": NOT_SHIPPED, "env_vars": settings}


class ApplicationActor:
    """One application of the system inside a Ray actor (made remote by RayRunner): a
    follower runs in a Worker of its own, as in any other worker; a leader that follows
    nothing (Commands) is only kept here, for the proxies' calls."""

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
            from infrastructure.childprocess import start_django

            start_django(settings_module, database)
        self.system = system
        self.name = name
        self.env = env
        self.store = django_store() if database is not None else IN_MEMORY_STORE
        self.poll_interval = poll_interval
        self.worker: Worker | None = None
        self.app: Application[Any] | None = None
        if name not in system.followers:
            self.app = system.leader_cls(name)(env=env)

    def connect(self, actors: dict[str, Any]) -> None:
        """Makes this application follow its leaders and prompt its followers (the other
        actors); nothing runs until start(), so that every actor's application exists by then."""
        # Followers run elsewhere (runsystem --apps) poll the database instead.
        wakeups = {name: ActorWakeup(actor) for name, actor in actors.items() if name != self.name}
        if self.app is not None:
            followers = self.system.leads.get(self.name, [])
            self.app.lead(Prompt([wakeups[f] for f in followers if f in wakeups]))  # type: ignore[attr-defined]
            return
        sources = None
        if self.store is IN_MEMORY_STORE:
            # Events in memory: read through the leaders' actors. Otherwise, through the
            # database, as every other reader does.
            sources = {name: ActorNotificationSource(actors[name]) for name in self.system.follows[self.name]}
        self.worker = Worker(
            self.system,
            self.env,
            [self.name],
            notification_sources=sources,
            poll_interval=self.poll_interval,
            wakeups=wakeups,
            store=self.store,
        )
        self.app = self.worker.apps[self.name]

    def start(self) -> None:
        if self.worker is not None:
            self.worker.start()

    def prompt(self) -> None:
        if self.worker is not None:
            self.worker.loops[self.name].wakeup.set()

    def call(self, path: list[str], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Calls the application's method at path (e.g. ["recorder", "max_notification_id"])."""
        # Between the follower loop's batches, never during one (see FollowerLoop.lock).
        with self.worker.loops[self.name].lock if self.worker is not None else nullcontext():
            target: Any = self.app
            for name in path:
                target = getattr(target, name)
            result = target(*args, **kwargs)
            if hasattr(result, "__next__"):
                result = list(result)  # an iterator cannot cross processes
            return result

    def select_notifications(self, *args: Any, **kwargs: Any) -> Any:
        return self.app.recorder.select_notifications(*args, **kwargs)  # type: ignore[union-attr]

    def max_notification_id(self) -> int | None:
        return self.app.recorder.max_notification_id()  # type: ignore[union-attr]

    def stop(self) -> None:
        """Stops processing (the first of two phases: then the runner kills the actors)."""
        if self.worker is not None:
            self.worker.stop(timeout=10)


class ActorWakeup:
    """Prompts a follower's actor without waiting for it: Sagas and Accounts follow
    each other, so a leader that waited for its follower could wait for ever."""

    def __init__(self, actor: Any) -> None:
        self.actor = actor

    def set(self) -> None:
        self.actor.prompt.remote()


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

    def set_up(self) -> None:
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
            from infrastructure.childprocess import database_settings

            database = database_settings()
        settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "bankproject.settings")
        remote_actor = ray.remote(ApplicationActor)
        for name in self.names:
            # SPREAD: on a cluster, the applications go to different nodes as far as they go.
            self.actors[name] = remote_actor.options(max_concurrency=4, scheduling_strategy="SPREAD").remote(
                self.system, self.env_dict, name, settings_module, database, self.poll_interval
            )
        ray.get([actor.connect.remote(self.actors) for actor in self.actors.values()])
        ray.get([actor.start.remote() for actor in self.actors.values()])

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
