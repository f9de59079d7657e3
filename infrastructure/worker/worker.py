"""A Worker runs follower applications of a system, each in a FollowerLoop thread."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from eventsourcing.application import Application
from eventsourcing.system import Leader, System

from infrastructure.worker.loop import FollowerLoop, NotificationSource, Prompt
from infrastructure.worker.store import Store, django_store

logger = logging.getLogger("bank.worker")


class StopSignals:
    """Remembers that a stop signal (SIGTERM, SIGINT) arrived, for the main thread to act on.

    The handler only sets an attribute: logging or Event.set() take locks that the
    interrupted main thread may hold, and would deadlock it.
    """

    def __init__(self, signums: Iterable[int] = (signal.SIGTERM, signal.SIGINT)) -> None:
        self.received: int | None = None
        for signum in signums:
            signal.signal(signum, self.receive)

    def receive(self, signum: int, frame: Any) -> None:
        self.received = signum

    def __bool__(self) -> bool:
        return self.received is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.received).name if self.received is not None else ""


class Worker:
    """Runs the given follower applications of a system, each in a FollowerLoop thread.

    Leaders that are not run here are read through ``notification_sources``
    (by default each leader application's own recorder, constructed here).
    """

    def __init__(
        self,
        system: System,
        env: dict[str, str],
        names: Iterable[str] | None = None,
        *,
        notification_sources: dict[str, NotificationSource] | None = None,
        poll_interval: float = 0.5,
        batch_size: int = 100,
        wakeups: dict[str, Any] | None = None,
        store: Store | None = None,
    ) -> None:
        self.store = store or django_store()
        self.system = system
        self.names = list(names) if names is not None else list(system.followers)
        unknown = set(self.names) - set(system.followers)
        if unknown:
            msg = f"not follower applications of the system: {sorted(unknown)}"
            raise ValueError(msg)
        follower_env = self.store.follower_env(env)
        self.apps: dict[str, Application[Any]] = {
            name: system.follower_cls(name)(env=follower_env) for name in self.names
        }
        sources = self.follow(env, dict(notification_sources or {}))
        wakeups = wakeups or {}
        self.loops = {
            name: FollowerLoop(
                app,
                {leader: sources[leader] for leader in system.follows[name]},
                poll_interval=poll_interval,
                batch_size=batch_size,
                wakeup=wakeups.get(name),
                store=self.store,
            )
            for name, app in self.apps.items()
        }
        self.lead(wakeups)
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def follow(
        self, env: dict[str, str], sources: dict[str, NotificationSource]
    ) -> dict[str, NotificationSource]:
        """Makes each follower here follow its leaders; returns where each leader is read:
        as given, or else the leader's own recorder (the application's, if it runs here)."""
        for leader_name in {leader for name in self.names for leader in self.system.follows[name]}:
            if leader_name not in sources:
                app = self.apps.get(leader_name) or self.system.get_app_cls(leader_name)(env=env)
                sources[leader_name] = app.recorder
        for name, app in self.apps.items():
            for leader_name in self.system.follows[name]:
                # Gives the follower its mapper for the leader's events; the reader
                # that follow() also makes is not used (FollowerLoop reads the source).
                app.follow(leader_name, sources[leader_name])  # type: ignore[attr-defined]
        return sources

    def lead(self, wakeups: dict[str, Any]) -> None:
        """Makes each leader here prompt its followers: those here, and those elsewhere
        whose wakeups are given (a multiprocessing event, a Ray actor's prompt)."""
        for name, app in self.apps.items():
            if isinstance(app, Leader) and name in self.system.leads:
                followers = self.system.leads[name]
                prompts = [self.loops[f].wakeup for f in followers if f in self.loops] + [
                    wakeups[f] for f in followers if f not in self.loops and f in wakeups
                ]
                app.lead(Prompt(prompts))
                # Prompted again once the batch commits: before, its events are not visible.
                self.loops[name].after_batch = prompts

    def start(self) -> None:
        for name, loop in self.loops.items():
            thread = threading.Thread(target=self._run, args=(loop,), name=f"follower-{name}", daemon=True)
            self.threads.append(thread)
            thread.start()

    def _run(self, loop: FollowerLoop) -> None:
        try:
            loop.run_until(self.stopping)
        except BaseException:
            logger.critical("%s's follower thread died", loop.name, exc_info=True)
            raise
        finally:
            if self.store.on_error is not None:
                self.store.on_error()  # this thread's database connection, if any

    def wait(self, until: Callable[[], bool], interval: float = 0.2) -> str | None:
        """Blocks until until() is true (returns None) or a follower thread has died
        (returns why): a worker with a dead follower must not live on, looking alive."""
        while not until():
            dead = [thread.name for thread in self.threads if not thread.is_alive()]
            if dead and not self.stopping.is_set():
                return f"{', '.join(dead)} died"
            time.sleep(interval)
        return None

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        for loop in self.loops.values():
            loop.wakeup.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        for app in self.apps.values():
            app.close()

    def process_all_pending(self, on_progress: Callable[[int], None] | None = None) -> int:
        """Processes until no follower here has anything left (for --once and rebuilds).

        Returns the count; on_progress, if given, is told the count after each round."""
        total = 0
        while True:
            done = sum(loop.process_pending() for loop in self.loops.values())
            total += done
            if on_progress is not None:
                on_progress(total)
            if not done:
                return total
