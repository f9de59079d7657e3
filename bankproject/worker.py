"""Keeping followers up to date by pulling their leaders' notification logs.

eventsourcing's runners move events along only when a leader in the same
process prompts its followers, and a failing policy silently ends a
MultiThreadedRunner thread. A worker whose leaders write in other processes (the
web process records commands) must instead pull, and must own its failures. This
module does both, for every runner that is not eventsourcing's own:

- ``FollowerLoop`` runs one follower in a thread: it pulls each leader's new
  notifications and processes them in batches, each batch in one database
  transaction with the events and tracking records of its notifications, so a
  crash loses or repeats nothing, later notifications in a batch see what earlier
  ones did, and a batch costs one commit. A batch is what is waiting, up to
  batch_size: one notification when the load is light. When idle it
  waits for a prompt or a poll interval that grows while nothing happens.
  An unexpected error is logged with the notification it happened on and
  retried with backoff; it never skips the notification nor stops other followers.
- ``Worker`` runs a FollowerLoop per follower application of a system, prompts
  followers in the same process when their leader has new events, and stops
  cleanly, between notifications.
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import Any, Protocol

from eventsourcing.application import Application, Cache, LRUCache
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing.system import Follower, Leader, RecordingEvent, RecordingEventReceiver, System

from infrastructure import metrics

logger = logging.getLogger("bank.worker")

FIRST_RETRY_DELAY = 0.1
RETRY_DELAY_CAP = 4.0  # a few seconds: a fault's end is found by probing, not by waiting long
PROBE_INTERVAL = 1.0  # how often a retrying follower checks whether the database is back
IMMEDIATE_RETRIES = 3  # lost races on a tracking position pulled again at once, in a row


def retry_delay(failures: int) -> float:
    """Seconds to wait after the given number of failures in a row: doubling, capped."""
    doublings = min(max(failures - 1, 0), 16)  # bounded, so that 2 ** n never overflows a float
    return min(FIRST_RETRY_DELAY * 2**doublings, RETRY_DELAY_CAP)


class NotificationSource(Protocol):
    """Where a follower reads a leader's notifications from: its recorder, or a proxy to it."""

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Any = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]: ...

    def max_notification_id(self) -> int | None: ...


class Prompt(RecordingEventReceiver[Any]):
    """Wakes follower loops (in this process or, with multiprocessing events, in others)
    when a leader has recorded new events.

    A batch's events are recorded without notification ids until it ends (see
    bankproject.persistence), so they prompt nothing: the leader's loop wakes the
    followers once the batch commits (FollowerLoop.after_batch).
    """

    def __init__(self, wakeups: Iterable[Any]) -> None:
        self.wakeups = list(wakeups)

    def receive_recording_event(self, new_recording_event: RecordingEvent[Any]) -> None:
        for wakeup in self.wakeups:
            wakeup.set()


# Followers run by a FollowerLoop keep the aggregates they write in memory between
# notifications (eventsourcing's aggregate cache, put to after each recording, never
# fast-forwarded from the database): each follower is its aggregates' only writer in
# the system, and the loop empties the cache when that may not hold (see process_pending).
CACHED_AGGREGATES_ENV = {"AGGREGATE_CACHE_MAXSIZE": "20000", "AGGREGATE_CACHE_FASTFORWARD": "n"}


def forget_cached_aggregates(app: Application[Any]) -> None:
    """Empties the application's aggregate cache.

    eventsourcing's Repository has no method for this: its cache is replaced
    with a new, empty one of the same size.
    """
    cache = app.repository.cache
    if isinstance(cache, LRUCache):
        app.repository.cache = LRUCache(maxsize=cache.maxsize)
    elif cache is not None:
        app.repository.cache = Cache()


class FollowerLoop:
    """Keeps one follower up to date with its leaders, until stopped."""

    def __init__(
        self,
        follower: Follower[Any],
        leaders: dict[str, NotificationSource],
        *,
        batch_size: int = 100,
        poll_interval: float = 0.5,
        linger: float = 0.01,
        wakeup: Any = None,
        on_error: Callable[[], None] | None = None,
        batch: Callable[[], AbstractContextManager[Any]] = nullcontext,
        probe: Callable[[], bool] | None = None,
        record_state: Callable[..., None] | None = None,
        batches_in_a_row: Callable[[], AbstractContextManager[Any]] = nullcontext,
        end_reads: Callable[[], None] | None = None,
    ) -> None:
        self.follower = follower
        self.name = follower.name
        self.leaders = leaders
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.wakeup = wakeup if wakeup is not None else threading.Event()
        self.on_error = on_error
        self.batch = batch
        # Held while the loop runs batch after batch (bankproject.persistence.batches_in_a_row).
        self.batches_in_a_row = batches_in_a_row
        # Ends what reads outside a batch began (bankproject.persistence.end_reads).
        self.end_reads = end_reads
        # Answers cheaply whether the database can be reached: a retrying follower
        # wakes as soon as it is back, however long the delay has grown.
        self.probe = probe
        self.failures = 0  # in a row; 0 while all is well
        self.failing_since: datetime | None = None
        # Where the follower's state is recorded for operators (infrastructure.status.record_follower_state).
        self.record_state = record_state
        self.batch_notifications: list[Tracking] = []  # those processed in the batch in hand
        # The last notification of each leader to process (a rebuild replays what existed
        # when it began, not what keeps arriving); None: no end.
        self.up_to: dict[str, int | None] = {}
        # Held for each batch. Whoever else uses the follower application (a Ray actor's
        # calls) takes it too: the loop must be its aggregate cache's only writer, and
        # nothing may build on a batch that may yet roll back.
        self.lock = threading.RLock()
        metrics.start_follower_metrics(self.name)
        self.limit = batch_size  # one, after a failure, so that what precedes it can commit
        self.linger = linger
        self.after_batch: list[Any] = []  # wakeups of followers, set once a batch commits
        self.in_hand: Tracking | None = None
        # A follower may read at once what a batch's events will need (see
        # infrastructure.projections.ReadModelProjection.prefetch).
        self.prefetch: Callable[[list[Any]], None] | None = getattr(follower, "prefetch", None)
        # The tracking positions this loop saw at the end of its last batch; None
        # when unknown, as at the start and after a failed batch.
        self.positions: dict[str, int | None] | None = None

    def process_pending(self, stop: threading.Event | None = None) -> int:
        """Processes, in one batch, what the leaders have that this follower has not:
        up to limit notifications per leader. Returns how many it processed."""
        with self.lock:
            started = time.perf_counter()
            done = self._process_pending(stop)
        if done:
            metrics.BATCH_SECONDS.labels(self.name).observe(time.perf_counter() - started)
            metrics.BATCHES.labels(self.name).inc()
            metrics.NOTIFICATIONS.labels(self.name).inc(done)
        return done

    def _process_pending(self, stop: threading.Event | None) -> int:
        done = 0
        self.in_hand = None
        self.batch_notifications = []
        peeked: dict[str, list[Notification]] | None = None
        if self.positions is not None:
            # Whether there is anything to do, read before a batch begins, from where the
            # last batch ended: an idle follower's poll costs a query a leader, not a
            # transaction that writes the insert lock row and commits.
            peeked = {leader: self.select(leader, self.positions) for leader in self.leaders}
            if not any(peeked.values()):
                if self.end_reads is not None:
                    self.end_reads()
                return 0
        try:
            with self.batch():
                # Read inside the batch: no other processor of this follower records meanwhile.
                positions = self.read_positions()
                if positions != self.positions:
                    # Another processor of this follower (or none yet) recorded these
                    # positions: what it wrote is not in this loop's cache, and what was
                    # peeked at may be done already.
                    forget_cached_aggregates(self.follower)
                    peeked = None
                for leader_name in self.leaders:
                    if done and self.limit == 1:
                        break  # after a failure, one notification a batch: the failing one is named
                    if peeked is not None:
                        notifications = peeked[leader_name]  # those that follow positions, in order
                    else:
                        notifications = self.select(leader_name, positions)
                    events = list(self.follower.convert_notifications(leader_name, notifications))
                    if self.prefetch is not None and events:
                        self.prefetch([domain_event for domain_event, _ in events])
                    for domain_event, tracking in events:
                        if stop is not None and stop.is_set():
                            break  # what is done so far commits
                        self.in_hand = tracking
                        self.follower.process_event(domain_event, tracking)
                        self.in_hand = None
                        self.batch_notifications.append(tracking)
                        positions[leader_name] = tracking.notification_id
                        done += 1
        except BaseException:
            # The batch rolled back: so must every aggregate it cached.
            self.positions = None
            forget_cached_aggregates(self.follower)
            raise
        self.positions = positions
        self.limit = self.batch_size
        if done:
            for wakeup in self.after_batch:
                wakeup.set()  # now that the batch's events are visible
            if logger.isEnabledFor(logging.INFO):
                logger.info("%s processed %d notifications, up to %s", self.name, done, positions)
        return done

    def select(self, leader_name: str, positions: dict[str, int | None]) -> list[Notification]:
        """The leader's notifications that follow the given position: up to limit."""
        return self.leaders[leader_name].select_notifications(
            start=positions[leader_name],
            limit=self.limit,
            stop=self.up_to.get(leader_name),
            topics=self.follower.topics,
            inclusive_of_start=False,
        )

    def read_positions(self) -> dict[str, int | None]:
        """The follower's tracking position of each leader: with one query if its recorder can."""
        recorder = self.follower.recorder
        read_all = getattr(recorder, "max_tracking_ids", None)
        if read_all is not None:
            return read_all(list(self.leaders))
        return {leader: recorder.max_tracking_id(leader) for leader in self.leaders}

    def run_until(self, stop: threading.Event) -> None:
        """Processes, waits, retries; returns once stop is set, between notifications."""
        self.report("running")
        try:
            with self.batches_in_a_row():
                self.run_and_retry(stop)
        finally:
            self.report("stopped")

    def run_and_retry(self, stop: threading.Event) -> None:
        idle_wait = 0.005
        lost_races = 0
        while not stop.is_set():
            try:
                done = self.process_pending(stop)
            except IntegrityError as error:
                lost_races += 1
                if lost_races <= IMMEDIATE_RETRIES:
                    metrics.FAILURES.labels(self.name).inc()
                    # Another processor of this follower recorded the notification first,
                    # or wrote the same aggregate: nothing was recorded here, pull again.
                    logger.info("%s: %s; pulling again", self.name, error)
                    self.in_hand = None
                    self.limit = 1
                    continue
                self.retry_after(error, stop)
                continue
            except Exception as error:
                self.retry_after(error, stop)
                continue
            if self.failures:
                logger.info("%s is processing again after %d failed attempts", self.name, self.failures)
                self.failures, self.failing_since = 0, None
                metrics.RETRYING.labels(self.name).set(0)
                self.report("running")
            lost_races = 0
            if done:
                idle_wait = 0.005
                if done < self.limit:
                    # Not a full batch: the load is light, or it is heavy and each batch
                    # is taken as soon as a few notifications arrive. A moment's wait
                    # lets more arrive, so that under load a batch's fixed costs (its
                    # queries, lock and commit) are shared by many notifications.
                    stop.wait(self.linger)
                continue
            if self.wakeup.wait(timeout=idle_wait):
                self.wakeup.clear()
                idle_wait = 0.005
            else:
                idle_wait = min(idle_wait * 2, self.poll_interval)

    def failing_notification(self) -> Tracking | None:
        """The notification the last failure happened on, if it is known: the one in
        hand, or the only one of a batch that failed as it ended."""
        if self.in_hand is not None:
            return self.in_hand
        if len(self.batch_notifications) == 1:
            return self.batch_notifications[0]
        return None

    def report(self, state: str, **details: Any) -> None:
        """Records the follower's state for operators; a failure to record it (the
        database may be down) is not the follower's failure."""
        if self.record_state is None:
            return
        since = self.failing_since if state == "retrying" else datetime.now(UTC)
        try:
            self.record_state(self.name, state, since, failures=self.failures, **details)
        except Exception:
            logger.debug("%s: could not record its state %r", self.name, state, exc_info=True)

    def retry_after(self, error: Exception, stop: threading.Event) -> None:
        """Logs the failure, then waits before the next attempt: retry_delay, or until
        the database is seen to come back, or stop."""
        self.failures += 1
        metrics.FAILURES.labels(self.name).inc()
        metrics.RETRYING.labels(self.name).set(1)
        if self.failing_since is None:
            self.failing_since = datetime.now(UTC)
        delay = retry_delay(self.failures)
        failing = self.failing_notification()
        if failing is not None:
            where = f"notification {failing.notification_id} of {failing.application_name}"
        elif self.batch_notifications:
            first, last = self.batch_notifications[0], self.batch_notifications[-1]
            where = (
                f"the end of a batch of {len(self.batch_notifications)} notifications "
                f"({first.notification_id} of {first.application_name} to "
                f"{last.notification_id} of {last.application_name}); retrying one at a time"
            )
        else:
            where = "reading its leaders' notifications"
        logger.error(
            "%s failed on %s (attempt %d); retrying in %.1fs",
            self.name,
            where,
            self.failures,
            delay,
            exc_info=error,
        )
        self.in_hand = None
        self.limit = 1
        if self.on_error is not None:
            self.on_error()  # first: the state is recorded on a fresh connection
        self.report(
            "retrying",
            error=f"{type(error).__name__}: {error}"[:2000],
            leader_name=failing.application_name if failing else "",
            notification_id=failing.notification_id if failing else None,
        )
        deadline = time.monotonic() + delay
        # A fault that is the database's shows now, so that its end is seen at the next probe.
        seen_down = self.probe is not None and not self.probe()
        while not stop.wait(min(PROBE_INTERVAL, max(0.0, deadline - time.monotonic()))):
            if time.monotonic() >= deadline:
                return
            if self.probe is None:
                continue
            if self.probe():
                if seen_down:
                    return  # the database is back: no need to wait out the delay
            else:
                seen_down = True


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


def database_reachable() -> bool:
    """Whether a fresh connection to the database answers (a cheap query)."""
    from django.db import connection

    close_database_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return False
    finally:
        close_database_connection()
    return True


def recorded_state(*args: Any, **kwargs: Any) -> None:
    """Records a follower's state where systemstatus and the admin read it, committed at
    once: the loop's connection may be between batches with autocommit off."""
    from bankproject.persistence import batch_transaction
    from infrastructure.status import record_follower_state

    with batch_transaction():
        record_follower_state(*args, **kwargs)


def close_database_connection() -> None:
    """After an error the connection may be broken: the next use opens a new one."""
    from django.db import connection

    try:
        connection.close()
    except Exception:  # a broken connection may fail to close; it is discarded anyway
        logger.debug("closing the database connection failed", exc_info=True)


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
        uses_django: bool = True,
    ) -> None:
        def batch_of(name: str) -> Callable[[], AbstractContextManager[Any]]:
            if not uses_django:
                return nullcontext
            from bankproject.persistence import batch

            return functools.partial(batch, name)

        if uses_django:
            from bankproject.persistence import batches_in_a_row, end_reads

        self.system = system
        self.names = list(names) if names is not None else list(system.followers)
        unknown = set(self.names) - set(system.followers)
        if unknown:
            msg = f"not follower applications of the system: {sorted(unknown)}"
            raise ValueError(msg)
        follower_env = {**env, **CACHED_AGGREGATES_ENV} if uses_django else env
        self.apps: dict[str, Application[Any]] = {
            name: system.follower_cls(name)(env=follower_env) for name in self.names
        }
        sources = dict(notification_sources or {})
        for leader_name in {leader for name in self.names for leader in system.follows[name]}:
            if leader_name not in sources:
                app = self.apps.get(leader_name) or system.get_app_cls(leader_name)(env=env)
                sources[leader_name] = app.recorder
        for name, app in self.apps.items():
            for leader_name in system.follows[name]:
                # Gives the follower its mapper for the leader's events; the reader
                # that follow() also makes is not used (FollowerLoop reads the source).
                app.follow(leader_name, sources[leader_name])  # type: ignore[attr-defined]
        wakeups = wakeups or {}
        self.loops = {
            name: FollowerLoop(
                app,
                {leader: sources[leader] for leader in system.follows[name]},
                poll_interval=poll_interval,
                batch_size=batch_size,
                wakeup=wakeups.get(name),
                on_error=close_database_connection if uses_django else None,
                batch=batch_of(name),
                probe=database_reachable if uses_django else None,
                record_state=recorded_state if uses_django else None,
                batches_in_a_row=batches_in_a_row if uses_django else nullcontext,
                end_reads=end_reads if uses_django else None,
            )
            for name, app in self.apps.items()
        }
        for name, app in self.apps.items():
            if isinstance(app, Leader) and name in system.leads:
                # Followers elsewhere are woken through wakeups shared with their process.
                followers_here = [self.loops[f].wakeup for f in system.leads[name] if f in self.loops]
                followers_elsewhere = [
                    wakeups[f] for f in system.leads[name] if f not in self.loops and f in wakeups
                ]
                app.lead(Prompt(followers_here + followers_elsewhere))
                # Prompted again once the batch commits: before, its events are not visible.
                self.loops[name].after_batch = followers_here + followers_elsewhere
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.uses_django = uses_django

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
            if self.uses_django:
                close_database_connection()

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
