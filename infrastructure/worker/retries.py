"""How a follower loop survives failures: every error counted and retried after a
delay that doubles up to a cap, the database probed meanwhile."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from eventsourcing.persistence import IntegrityError, Tracking

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


class RetriesWithBackoff:
    """A FollowerLoop's running and retrying (its own attributes: see FollowerLoop)."""

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
