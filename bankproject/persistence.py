"""The project's persistence module: eventsourcing-django with notification ids
that become visible in id order on every database, and batches.

- ``serialise_inserts``: each application's inserts hold a lock row to commit.
- ``batch``: one transaction for many of a follower's notifications, with one
  tracking row per leader and the events inserted together at its end.
- ``insert_rows``: the hot paths' writes (events, lock rows, read-model rows) in SQL.

Select it with ``persistence_env("django")`` (bankproject.system), which sets
eventsourcing's PERSISTENCE_MODULE to ``bankproject.persistence:Factory``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, Error, connections, router, transaction
from django.db.models import Model
from django.db.models.constants import OnConflict
from django.utils import timezone
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing_django import factory, models, recorders

from infrastructure.models import EventInsertLock, ProjectionTrackingRecord

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
    if in_batch(application_name):
        return  # taken when the batch began, held until it ends
    alias = using or router.db_for_write(EventInsertLock)
    connection = connections[alias]
    if connection.vendor == "sqlite":
        return
    insert_rows(
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


def insert_rows(
    model: type[Model],
    rows: list[Model],
    update_fields: list[str] | None = None,
    unique_fields: list[str] | None = None,
    using: str | None = None,
    returning_ids: bool = False,
) -> list[int]:
    """Inserts new rows with one statement, in order; with update_fields, rows that
    exist already (by unique_fields, the primary key if not given) have those fields
    updated. With returning_ids, returns the new rows' primary keys.

    In SQL rather than through the ORM: Django's bulk_create and bulk_update
    build and compile expressions per row and field (bulk_update a CASE per field
    and row), which costs many times the write itself on the hot paths (events, the
    insert lock, read models). Values are converted by the model's own fields, and
    the upsert clause is the database backend's own.
    """
    if not rows:
        return []
    connection = connections[using or router.db_for_write(model)]
    meta = model._meta
    # The primary key is written when the rows have one: rows read from the table, or
    # new rows given theirs; otherwise the database makes it.
    with_pk = all(row.pk is not None for row in rows)
    fields = [field for field in meta.concrete_fields if with_pk or not field.primary_key]
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows for field in fields
    ]
    quote = connection.ops.quote_name
    insert = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values = f"VALUES {', '.join([row_sql] * len(rows))}"
    if update_fields is not None:
        columns = [meta.get_field(name).column for name in update_fields]
        unique_columns = [meta.get_field(name).column for name in unique_fields or [meta.pk.name]]
        upsert = connection.ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, columns, unique_columns)
        values += f" {upsert}"
    with connection.cursor() as cursor:
        if not returning_ids:
            cursor.execute(f"{insert} {values}", params)
            return []
        if connection.features.can_return_rows_from_bulk_insert:
            cursor.execute(f"{insert} {values} RETURNING {quote(meta.pk.column)}", params)
            return [pk for (pk,) in cursor.fetchall()]
        # Without RETURNING (MySQL): one row at a time, each with its own id.
        ids = []
        for start in range(0, len(params), len(fields)):
            cursor.execute(f"{insert} VALUES {row_sql}", params[start : start + len(fields)])
            ids.append(cursor.lastrowid)
        return ids


class PendingWrites(Protocol):
    def write(self) -> None: ...


class _Batch(threading.local):
    """The batch this thread is processing: whose, the tracking positions it
    recorded (and those it read), and what is to be written before it commits; and
    whether this thread runs batches in a row (see batches_in_a_row)."""

    application_name: str | None = None
    positions: dict[str, int]
    read_positions: dict[str, int | None]
    in_a_row: bool = False
    pending: dict[str, PendingWrites]
    tracking_model: type[Model] = models.NotificationTrackingRecord


_batch = _Batch()


def in_batch(application_name: str) -> bool:
    return _batch.application_name == application_name


def before_batch_commits[T: PendingWrites](key: str, make: Callable[[], T]) -> T:
    """The object kept under key for this thread's batch, made on first use; its
    write() is called once, when the batch ends, before it commits. Nothing of it
    outlives the batch, whether it commits or rolls back."""
    pending = _batch.pending.get(key)
    if pending is None:
        pending = _batch.pending[key] = make()
    return pending  # type: ignore[return-value]


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
def batch(application_name: str, using: str | None = None) -> Iterator[None]:
    """One transaction for a batch of a follower's notifications.

    The application's insert lock is taken once, first, and held to the end, so
    within the batch nothing else records for it: inserts need no lock or
    savepoint of their own, and the tracking guard checks the database once and
    then the positions recorded here. The batch writes one tracking row per
    leader, its last position, when it ends (a follower's position is the
    highest it has recorded). A failure anywhere rolls the whole batch back.
    """
    if _batch.application_name is not None:
        yield  # already inside a batch of this thread
        return
    with sqlite_writers_take_turns(using), batch_transaction(using):
        serialise_inserts(application_name, using)
        _batch.application_name, _batch.positions, _batch.pending = application_name, {}, {}
        _batch.read_positions = {}
        try:
            yield
            for pending in _batch.pending.values():
                pending.write()
            insert_rows(
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
            _batch.read_positions = {}
            _batch.tracking_model = models.NotificationTrackingRecord


class BankAggregateRecorder(recorders.DjangoAggregateRecorder):
    def _lock_table(self) -> None:
        """Aggregate and snapshot records have no notification ids to keep in order."""

    def _insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int]:
        return self.insert_records(stored_events, returning_ids=True)

    def insert_records(self, stored_events: list[StoredEvent], returning_ids: bool) -> list[int]:
        """Inserts the events with one statement (see insert_rows), in order."""
        records = [
            self.model(
                application_name=self.application_name,
                originator_id=stored_event.originator_id,
                originator_version=stored_event.originator_version,
                topic=stored_event.topic,
                state=stored_event.state,
            )
            for stored_event in stored_events
        ]
        return insert_rows(self.model, records, using=self.using, returning_ids=returning_ids)

    @recorders.errors
    def select_first_events(self, originator_ids: Iterable[UUID]) -> list[StoredEvent]:
        """The first event of each of the given aggregates that has one, in one query."""
        records = self.model.objects.using(self.using).filter(
            application_name=self.application_name,
            originator_id__in=list(originator_ids),
            originator_version=1,  # eventsourcing's aggregates start at version 1
        )
        return [
            StoredEvent(
                originator_id=record.originator_id,
                originator_version=record.originator_version,
                topic=record.topic,
                state=bytes(record.state),
            )
            for record in records
        ]


class BankApplicationRecorder(BankAggregateRecorder, recorders.DjangoApplicationRecorder):
    def _lock_table(self) -> None:
        serialise_inserts(self.application_name, self.using)

    @recorders.errors
    def insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if in_batch(self.application_name):
            return self._insert_events(stored_events, **kwargs)  # the batch's transaction and lock
        return super().insert_events(stored_events, **kwargs)


class BankProcessRecorder(BankApplicationRecorder, recorders.DjangoProcessRecorder):
    """Records a follower's events with its tracking positions.

    In a batch, events are not inserted one notification at a time: they are
    kept and inserted with one statement when the batch ends, or before anything
    reads this application's events within it (a snapshot, an aggregate not in
    memory). They have no notification ids until then, so nothing is prompted
    on their recording; the follower's loop prompts once the batch commits.
    """

    def _insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int]:
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            # Under the insert lock, so no other processor of this follower can
            # record a position in between: a position is recorded only once, in order.
            position = self.max_tracking_id(tracking.application_name)
            if position is not None and tracking.notification_id <= position:
                msg = (
                    f"{self.application_name} has already processed notification "
                    f"{position} of {tracking.application_name}, "
                    f"not recording {tracking.notification_id}"
                )
                raise IntegrityError(msg)
        if in_batch(self.application_name):
            self.pending_events().stored_events += stored_events
            if tracking is not None:
                _batch.positions[tracking.application_name] = tracking.notification_id  # row at the end
                _batch.tracking_model = self.tracking_model
            return []
        notification_ids = super()._insert_events(stored_events)
        if tracking is not None:
            self.tracking_model(
                application_name=self.application_name,
                upstream_application_name=tracking.application_name,
                notification_id=tracking.notification_id,
            ).save(using=self.using)
        return notification_ids

    def __init__(
        self, *args: Any, tracking_model: type[Model] = models.NotificationTrackingRecord, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.tracking_model = tracking_model

    def max_tracking_id(self, application_name: str) -> int | None:
        """As eventsourcing-django's, in this follower's tracking table.

        In a batch, the database is read once per leader: the batch holds the insert
        lock, so only the batch itself records positions until it ends (the loop reads
        them as the batch begins, the tracking guard again for the first notification).
        """
        if not in_batch(self.application_name):
            return self.read_max_tracking_id(application_name)
        if application_name in _batch.positions:
            return _batch.positions[application_name]
        if application_name not in _batch.read_positions:
            _batch.read_positions[application_name] = self.read_max_tracking_id(application_name)
        return _batch.read_positions[application_name]

    def max_tracking_ids(self, application_names: Sequence[str]) -> dict[str, int | None]:
        """max_tracking_id of each of the given leaders, read with one statement."""
        if len(application_names) > 1 and (
            not in_batch(self.application_name)
            or any(
                name not in _batch.positions and name not in _batch.read_positions
                for name in application_names
            )
        ):
            read = self.read_max_tracking_ids(application_names)
            if not in_batch(self.application_name):
                return read
            for name, position in read.items():
                _batch.read_positions.setdefault(name, position)
        return {name: self.max_tracking_id(name) for name in application_names}

    @recorders.errors
    def read_max_tracking_ids(self, application_names: Sequence[str]) -> dict[str, int | None]:
        """One SELECT of scalar subqueries, one a leader, each read as read_max_tracking_id's is
        (the last row by the tracking table's index): a follower of two leaders (Sagas,
        SagasProjection) reads its positions as each batch begins."""
        connection = connections[self.using or DEFAULT_DB_ALIAS]
        quote = connection.ops.quote_name
        meta = self.tracking_model._meta
        table, position, follower, leader = (
            quote(name)
            for name in (
                meta.db_table,
                meta.get_field("notification_id").column,
                meta.get_field("application_name").column,
                meta.get_field("upstream_application_name").column,
            )
        )
        one = (
            f"(SELECT {position} FROM {table} WHERE {follower} = %s AND {leader} = %s"
            f" ORDER BY {position} DESC LIMIT 1)"
        )
        params = [value for name in application_names for value in (self.application_name, name)]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([one] * len(application_names)), params)
            row = cursor.fetchone()
        return dict(zip(application_names, row, strict=True))

    @recorders.errors
    def read_max_tracking_id(self, application_name: str) -> int | None:
        return (
            self.tracking_model.objects.using(self.using)
            .filter(application_name=self.application_name, upstream_application_name=application_name)
            .order_by("-notification_id")
            .values_list("notification_id", flat=True)
            .first()
        )

    def pending_events(self) -> PendingEvents:
        return before_batch_commits("events", lambda: PendingEvents(self))

    def select_events(self, *args: Any, **kwargs: Any) -> list[StoredEvent]:
        if in_batch(self.application_name):
            self.pending_events().write()  # what the batch recorded is read too
        return super().select_events(*args, **kwargs)


class PendingEvents:
    """Events a batch has recorded and not yet inserted."""

    def __init__(self, recorder: BankProcessRecorder) -> None:
        self.recorder = recorder
        self.stored_events: list[StoredEvent] = []

    @recorders.errors
    def write(self) -> None:
        stored_events, self.stored_events = self.stored_events, []
        self.recorder.insert_records(stored_events, returning_ids=False)


class Factory(factory.Factory):
    def aggregate_recorder(self, purpose: str = "events") -> BankAggregateRecorder:
        model = models.SnapshotRecord if purpose == "snapshots" else models.StoredEventRecord
        return BankAggregateRecorder(application_name=self.env.name, model=model, using=self.db_alias)

    def application_recorder(self) -> BankApplicationRecorder:
        return BankApplicationRecorder(
            application_name=self.env.name, model=models.StoredEventRecord, using=self.db_alias
        )

    def process_recorder(self) -> BankProcessRecorder:
        return BankProcessRecorder(
            application_name=self.env.name,
            model=models.StoredEventRecord,
            using=self.db_alias,
            tracking_model=TRACKING_MODELS[self.env.get("TRACKING_RECORDS", "")],
        )
