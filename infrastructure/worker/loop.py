"""A FollowerLoop keeps one follower up to date with its leaders: it pulls their new
notifications and processes them in batches."""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Protocol

from eventsourcing.persistence import Notification, Tracking
from eventsourcing.system import Follower, RecordingEvent, RecordingEventReceiver

from infrastructure import metrics
from infrastructure.worker.retries import RetriesWithBackoff
from infrastructure.worker.store import IN_MEMORY_STORE, Store, forget_cached_aggregates

logger = logging.getLogger("bank.worker")


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
    infrastructure.persistence), so they prompt nothing: the leader's loop wakes the
    followers once the batch commits (FollowerLoop.after_batch).
    """

    def __init__(self, wakeups: Iterable[Any]) -> None:
        self.wakeups = list(wakeups)

    def receive_recording_event(self, new_recording_event: RecordingEvent[Any]) -> None:
        for wakeup in self.wakeups:
            wakeup.set()


class FollowerLoop(RetriesWithBackoff):
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
        store: Store = IN_MEMORY_STORE,
    ) -> None:
        self.follower = follower
        self.name = follower.name
        self.leaders = {name: store.notification_source(source) for name, source in leaders.items()}
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.wakeup = wakeup if wakeup is not None else threading.Event()
        self.on_error = store.on_error
        self.batch = functools.partial(store.batch, follower.name)
        # Held while the loop runs batch after batch (infrastructure.persistence.batches_in_a_row).
        self.batches_in_a_row = store.batches_in_a_row
        # Ends what reads outside a batch began (infrastructure.persistence.end_reads).
        self.end_reads = store.end_reads
        # Answers cheaply whether the database can be reached: a retrying follower
        # wakes as soon as it is back, however long the delay has grown.
        self.probe = store.probe
        self.failures = 0  # in a row; 0 while all is well
        self.failing_since: datetime | None = None
        # Where the follower's state is recorded for operators (infrastructure.status.record_follower_state).
        self.record_state = store.record_state
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
                done = self.process_batch(positions, peeked, stop)
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

    def process_batch(
        self,
        positions: dict[str, int | None],
        peeked: dict[str, list[Notification]] | None,
        stop: threading.Event | None,
    ) -> int:
        """Inside the batch: processes each leader's notifications after positions (those
        peeked at, if given), moving positions on. Returns how many it processed."""
        done = 0
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
                    return done  # what is done so far commits
                self.in_hand = tracking
                self.follower.process_event(domain_event, tracking)
                self.in_hand = None
                self.batch_notifications.append(tracking)
                positions[leader_name] = tracking.notification_id
                done += 1
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
