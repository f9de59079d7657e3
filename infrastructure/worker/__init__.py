"""Keeping followers up to date by pulling their leaders' notification logs.

eventsourcing's runners move events along only when a leader in the same
process prompts its followers, and a failing policy silently ends a
MultiThreadedRunner thread. A worker whose leaders write in other processes (the
web process records commands) must instead pull, and must own its failures. This
package does both, for every runner that is not eventsourcing's own:

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

from infrastructure.worker.loop import FollowerLoop, NotificationSource, Prompt
from infrastructure.worker.retries import RETRY_DELAY_CAP, retry_delay
from infrastructure.worker.store import (
    CACHED_AGGREGATES_ENV,
    IN_MEMORY_STORE,
    Store,
    close_database_connection,
    database_reachable,
    django_store,
    forget_cached_aggregates,
    recorded_state,
)
from infrastructure.worker.worker import StopSignals, Worker

__all__ = [
    "CACHED_AGGREGATES_ENV",
    "IN_MEMORY_STORE",
    "RETRY_DELAY_CAP",
    "FollowerLoop",
    "NotificationSource",
    "Prompt",
    "StopSignals",
    "Store",
    "Worker",
    "close_database_connection",
    "database_reachable",
    "django_store",
    "forget_cached_aggregates",
    "recorded_state",
    "retry_delay",
]
