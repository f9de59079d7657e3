"""The project's persistence module: eventsourcing-django with notification ids
that become visible in id order on every database.

Select it with ``persistence_env("django")`` (bankproject.system), which sets
eventsourcing's PERSISTENCE_MODULE to ``bankproject.persistence:Factory``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connections, router, transaction
from django.utils import timezone
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing_django import factory, models, recorders

from bankproject.models import EventInsertLock


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
    # MySQL's ON DUPLICATE KEY UPDATE takes no conflict target; PostgreSQL's ON CONFLICT needs one.
    conflict_target = (
        ["application_name"] if connection.features.supports_update_conflicts_with_target else None
    )
    EventInsertLock.objects.using(alias).bulk_create(
        [EventInsertLock(application_name=application_name, last_locked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=conflict_target,
        update_fields=["last_locked_at"],
    )


class _Batch(threading.local):
    """The batch this thread is processing: whose, and the tracking positions it recorded."""

    application_name: str | None = None
    positions: dict[str, int]


_batch = _Batch()


def in_batch(application_name: str) -> bool:
    return _batch.application_name == application_name


@contextmanager
def batch(application_name: str, using: str | None = None) -> Iterator[None]:
    """One transaction for a batch of a follower's notifications.

    The application's insert lock is taken once, first, and held to the end, so
    within the batch nothing else records for it: inserts need no lock or
    savepoint of their own, and the tracking guard checks the database once and
    then the positions recorded here. A failure anywhere rolls the whole batch back.
    """
    if _batch.application_name is not None:
        yield  # already inside a batch of this thread
        return
    with transaction.atomic(using=using):
        serialise_inserts(application_name, using)
        _batch.application_name, _batch.positions = application_name, {}
        try:
            yield
        finally:
            _batch.application_name, _batch.positions = None, {}


class BankAggregateRecorder(recorders.DjangoAggregateRecorder):
    def _lock_table(self) -> None:
        """Aggregate and snapshot records have no notification ids to keep in order."""

    def _insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int]:
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
        connection = connections[self.using or router.db_for_write(self.model)]
        if connection.features.can_return_rows_from_bulk_insert:
            self.model.objects.using(self.using).bulk_create(records)
        else:
            for record in records:
                record.save(using=self.using)
        return [record.pk for record in records]


class BankApplicationRecorder(BankAggregateRecorder, recorders.DjangoApplicationRecorder):
    def _lock_table(self) -> None:
        serialise_inserts(self.application_name, self.using)

    @recorders.errors
    def insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        if in_batch(self.application_name):
            return self._insert_events(stored_events, **kwargs)  # the batch's transaction and lock
        return super().insert_events(stored_events, **kwargs)


class BankProcessRecorder(BankApplicationRecorder, recorders.DjangoProcessRecorder):
    def _insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int]:
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            # Under the insert lock, so no other processor of this follower can
            # record a position in between: a position is recorded only once, in order.
            if in_batch(self.application_name) and tracking.application_name in _batch.positions:
                position = _batch.positions[tracking.application_name]
            else:
                position = self.max_tracking_id(tracking.application_name)
            if position is not None and tracking.notification_id <= position:
                msg = (
                    f"{self.application_name} has already processed notification "
                    f"{position} of {tracking.application_name}, "
                    f"not recording {tracking.notification_id}"
                )
                raise IntegrityError(msg)
        notification_ids = super()._insert_events(stored_events)
        if tracking is not None:
            models.NotificationTrackingRecord(
                application_name=self.application_name,
                upstream_application_name=tracking.application_name,
                notification_id=tracking.notification_id,
            ).save(using=self.using)
            if in_batch(self.application_name):
                _batch.positions[tracking.application_name] = tracking.notification_id
        return notification_ids


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
            application_name=self.env.name, model=models.StoredEventRecord, using=self.db_alias
        )
