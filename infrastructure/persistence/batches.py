"""Batches: one transaction for many of a follower's notifications, with one tracking
row per leader and the batch's events inserted together at its end; and the lock
row that keeps each application's notification ids visible in id order."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from django.db import DEFAULT_DB_ALIAS, Error, connections, router, transaction
from django.db.models import Model
from django.utils import timezone
from eventsourcing_django import models

from infrastructure.models import EventInsertLock, ProjectionTrackingRecord
from infrastructure.persistence.sqlwriter import write_rows

# Which table keeps a follower's tracking positions: eventsourcing-django's, or the
# projections' own (set "TRACKING_RECORDS": "projections" in the application's env).
TRACKING_MODELS = {"": models.NotificationTrackingRecord, "projections": ProjectionTrackingRecord}


def serialise_inserts(application_name: str, using: str | None) -> None:
    """Makes the calling transaction the application's only event writer until it ends.

    Why: eventsourcing-django locks the events table only on PostgreSQL. On
    MySQL/MariaDB, writers that commit concurrently make their AUTO_INCREMENT
    notification ids visible out of order, so a follower that has already read
    id 12 never reads id 11 committed after it: the event is skipped for ever.
    Holding one row lock per application until commit makes each application's
    ids visible in the order they were given. SQLite needs nothing: it admits
    one writer at a time already.

    The row is created on demand (tests empty every table between runs), with
    one statement that both inserts and locks it: an upsert takes an exclusive
    lock on the row it inserts or updates, so there is no window in which two
    writers can both hold it.
    """
    alias = using or router.db_for_write(EventInsertLock)
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return
    write_rows(
        EventInsertLock,
        [EventInsertLock(application_name=application_name, last_locked_at=timezone.now())],
        update_fields=["last_locked_at"],
        unique_fields=["application_name"],
        using=alias,
    )


# SQLite's writers in this process, one at a time (see sqlite_writers_take_turns).
_sqlite_writer = threading.RLock()


@contextmanager
def sqlite_writers_take_turns(using: str | None = None) -> Iterator[None]:
    """On SQLite, makes the calling thread wait for this process's other writers in turn.

    Why: a writer that finds SQLite's one write lock taken polls for it, sleeping
    between tries, for at most the busy timeout; the writers that don't sleep take it
    first. A worker's followers write many short transactions each, so one of them
    (a projection, say) could miss every turn until its timeout and fail with
    "database is locked", though nobody held the lock for long. Queued here, the
    process's writers take turns without polling, and the busy timeout is left to
    cover other processes' writers: web requests, a rebuild's batch or its swap.
    Elsewhere it does nothing: MariaDB and PostgreSQL queue lock waiters themselves.
    """
    if connections[using or router.db_for_write(EventInsertLock)].vendor != "sqlite":
        yield
        return
    with _sqlite_writer:
        yield


class PendingWrites(Protocol):
    def write(self) -> None: ...


class _Batch(threading.local):
    """The batch this thread is processing: whose, whether its events wait for its end,
    the tracking positions it recorded (and those it read), and what is to be written
    before it commits; and whether this thread runs batches in a row (see batches_in_a_row)."""

    application_name: str | None = None
    events_at_end: bool = False
    positions: dict[str, int]
    read_positions: dict[str, int | None]
    in_a_row: bool = False
    pending: dict[str, PendingWrites]
    tracking_model: type[Model] = models.NotificationTrackingRecord


_batch = _Batch()


def before_batch_commits[T: PendingWrites](key: str, make: Callable[[], T]) -> T:
    """The object kept under key for this thread's batch, made on first use; its
    write() is called once, when the batch ends, before it commits. Nothing of it
    outlives the batch, whether it commits or rolls back."""
    assert _batch.application_name is not None, "only inside a batch"
    pending = _batch.pending.get(key)
    if pending is None:
        pending = _batch.pending[key] = make()
    return pending  # type: ignore[return-value]


def write_now(application_name: str, key: str) -> None:
    """Writes at once what application_name's batch in hand keeps under key, if anything:
    for a read within the batch that must see it."""
    if _batch.application_name == application_name and key in _batch.pending:
        _batch.pending[key].write()


def tracking_positions(
    application_name: str,
    leader_names: Sequence[str],
    read: Callable[[Sequence[str]], dict[str, int | None]],
) -> dict[str, int | None]:
    """application_name's positions in each leader's notifications.

    Outside its batch, as read(leader_names) reads them from the database. In its batch,
    the database is read once a leader: the batch holds the insert lock, so until it ends
    only the batch itself records positions, and those it has recorded are the latest.
    (Called once a notification, by the tracking guard: nothing is merged or copied.)
    """
    if _batch.application_name != application_name:
        return read(leader_names)
    recorded, known = _batch.positions, _batch.read_positions
    unread = [name for name in leader_names if name not in recorded and name not in known]
    if unread:
        known.update(read(unread))
    return {name: recorded[name] if name in recorded else known[name] for name in leader_names}


def record_position(leader_name: str, position: int, tracking_model: type[Model]) -> None:
    """A position for the batch in hand to record in tracking_model's table when it ends."""
    assert _batch.application_name is not None, "only inside a batch"
    _batch.positions[leader_name] = position
    _batch.tracking_model = tracking_model


def in_batch[T](
    application_name: str, using: str | None, call: Callable[..., T], *args: Any, **kwargs: Any
) -> T:
    """call(*args, **kwargs) in application_name's batch: the one in hand, joined at the cost of a
    comparison (it is joined once or twice a notification), or else a batch of one."""
    if _batch.application_name == application_name:
        return call(*args, **kwargs)
    with batch(application_name, using):
        return call(*args, **kwargs)


def events_wait_for_batch_end() -> bool:
    """Whether the batch in hand inserts its events when it ends (see batch)."""
    return _batch.events_at_end


@contextmanager
def batches_in_a_row(using: str | None = None) -> Iterator[None]:
    """Within it, this thread's batches (and batch_transaction) leave its connection's
    autocommit off between them on MySQL/MariaDB; when it ends, autocommit is on again.

    For a follower loop's thread, which uses its connection for nothing but batches
    and its state records (both in batch_transaction). Any other use of the connection
    inside it would start a transaction that only the next batch ends.
    """
    _batch.in_a_row = True
    try:
        yield
    finally:
        _batch.in_a_row = False
        connection = connections[using or DEFAULT_DB_ALIAS]
        if connection.connection is not None and not connection.in_atomic_block:
            try:
                if not connection.get_autocommit():
                    connection.set_autocommit(True)
            except Error:
                connection.close()  # a broken connection: the next use opens a new one


def end_reads(using: str | None = None) -> None:
    """Ends the transaction that reads between batches in a row began, if any.

    With autocommit off (see batch_transaction), a follower loop's query outside a batch
    (whether there is anything to do) begins a transaction; left open while the loop
    waits, it would keep its tables' metadata locks, holding up any ALTER TABLE.
    """
    connection = connections[using or DEFAULT_DB_ALIAS]
    if not _batch.in_a_row or connection.connection is None or connection.in_atomic_block:
        return
    if not connection.get_autocommit():
        connection.rollback()


@contextmanager
def batch_transaction(using: str | None = None) -> Iterator[None]:
    """One transaction: committed at the end, rolled back on any failure.

    Why not simply transaction.atomic(): on MySQL/MariaDB, Django begins each atomic
    block with `SET autocommit=0` and ends it with `SET autocommit=1`, two round trips
    beside the COMMIT, a quarter of the statements of a small batch. A follower
    loop (inside batches_in_a_row) turns its connection's autocommit off at its first
    batch and leaves it off: each batch's first statement begins its transaction, its
    COMMIT or ROLLBACK ends it, and between batches none is open. Django's atomic()
    still marks the block (savepoint=False: nested atomic blocks, if any, make
    savepoints; an error marks the block for rollback), and the commit is done here.
    PostgreSQL and SQLite have no such cost (their drivers send only BEGIN and COMMIT):
    there, and outside batches_in_a_row, it is transaction.atomic().
    """
    alias = using or DEFAULT_DB_ALIAS
    connection = connections[alias]
    if not _batch.in_a_row or connection.vendor != "mysql" or connection.in_atomic_block:
        with transaction.atomic(using=alias):
            yield
        return
    if connection.get_autocommit():
        connection.set_autocommit(False)  # once a connection, not once a batch
    try:
        with transaction.atomic(using=alias, savepoint=False):
            yield
        connection.commit()
    except BaseException:
        try:
            connection.rollback()
        except Error:
            connection.close()  # a broken connection: the server rolls back; the next use reconnects
        raise


@contextmanager
def batch(application_name: str, using: str | None = None, *, events_at_end: bool = False) -> Iterator[None]:
    """One transaction in which application_name records: the only way it writes.

    A follower's loop (infrastructure.worker) processes many notifications in one;
    anything else that records (a web request's command, eventsourcing's own runners, a
    test) records in a batch of one. Inside a batch in hand of the same application, it
    joins that batch.

    The application's insert lock is taken once, first, and held to the end, so
    within the batch nothing else records for it: inserts need no lock or
    savepoint of their own, and the tracking guard checks the database once and
    then the positions recorded here. The batch writes one tracking row per
    leader, its last position, when it ends (a follower's position is the
    highest it has recorded). With events_at_end, its events too are inserted
    then, with one statement, and have no notification ids until then (the loop
    prompts followers once the batch commits). A failure anywhere rolls the
    whole batch back.
    """
    if _batch.application_name is not None:
        if _batch.application_name != application_name:
            msg = f"{application_name} cannot record inside a batch of {_batch.application_name}"
            raise RuntimeError(msg)
        yield  # already inside this application's batch
        return
    with sqlite_writers_take_turns(using), batch_transaction(using):
        serialise_inserts(application_name, using)
        _batch.application_name, _batch.positions, _batch.pending = application_name, {}, {}
        _batch.read_positions, _batch.events_at_end = {}, events_at_end
        try:
            yield
            for pending in _batch.pending.values():
                pending.write()
            write_rows(
                _batch.tracking_model,
                [
                    _batch.tracking_model(
                        application_name=application_name,
                        upstream_application_name=leader_name,
                        notification_id=position,
                    )
                    for leader_name, position in _batch.positions.items()
                ],
                using=using,
            )
        finally:
            _batch.application_name, _batch.positions, _batch.pending = None, {}, {}
            _batch.read_positions, _batch.events_at_end = {}, False
            _batch.tracking_model = models.NotificationTrackingRecord
