"""Where followers keep their events and positions, as a follower loop needs to know
it: one Store object for the Django database, one for events in memory."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application, Cache, LRUCache

logger = logging.getLogger("bank.worker")

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


@dataclass(frozen=True)
class Store:
    # One transaction for a batch of the named follower's notifications.
    batch: Callable[[str], AbstractContextManager[Any]] = lambda name: nullcontext()
    batches_in_a_row: Callable[[], AbstractContextManager[Any]] = nullcontext  # held while batches follow
    end_reads: Callable[[], None] | None = None  # ends what reads outside a batch began
    on_error: Callable[[], None] | None = None  # after an error: the connection may be broken
    probe: Callable[[], bool] | None = None  # whether the database answers, cheaply
    record_state: Callable[..., None] | None = None  # records a follower's state for operators
    keeps_aggregates: bool = False  # followers keep the aggregates they write between batches (see above)
    # How a follower loop reads a leader's notifications from its source (a faster reader of it).
    notification_source: Callable[[Any], Any] = lambda source: source

    def follower_env(self, env: dict[str, str]) -> dict[str, str]:
        return {**env, **CACHED_AGGREGATES_ENV} if self.keeps_aggregates else env


IN_MEMORY_STORE = Store()  # events in memory: nothing to begin, end or probe


def django_store() -> Store:
    """The Django database (imported only here: a worker in memory needs no Django)."""
    from infrastructure.persistence import batch, batches_in_a_row, end_reads
    from infrastructure.persistence.notifications import read_in_sql

    return Store(
        batch=functools.partial(batch, events_at_end=True),  # the loop prompts once a batch commits
        batches_in_a_row=batches_in_a_row,
        end_reads=end_reads,
        on_error=close_database_connection,
        probe=database_reachable,
        record_state=recorded_state,
        keeps_aggregates=True,
        notification_source=read_in_sql,
    )


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
    from infrastructure.persistence import batch_transaction
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
