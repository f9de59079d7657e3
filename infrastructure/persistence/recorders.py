"""eventsourcing-django's recorders, with notification ids visible in id order and
writes that join the batch in hand; and the Factory that makes them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from django.db.models import Model
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing_django import factory, models, recorders

from infrastructure.persistence.batches import (
    TRACKING_MODELS,
    before_batch_commits,
    events_wait_for_batch_end,
    in_batch,
    record_position,
    tracking_positions,
    write_now,
)
from infrastructure.persistence.sqlreader import highest_values, rows_where
from infrastructure.persistence.sqlwriter import insert_values

# A stored event's columns, as insert_records writes them.
EVENT_FIELDS = ("application_name", "originator_id", "originator_version", "topic", "state")


class BankAggregateRecorder(recorders.DjangoAggregateRecorder):
    def _lock_table(self) -> None:
        """Aggregate and snapshot records have no notification ids to keep in order."""

    def _insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int]:
        return self.insert_records(stored_events, returning_ids=True)

    def insert_records(self, stored_events: list[StoredEvent], returning_ids: bool) -> list[int]:
        """Inserts the events with one statement (see write_rows), in order."""
        name = self.application_name
        return insert_values(
            self.model,
            EVENT_FIELDS,
            [(name, e.originator_id, e.originator_version, e.topic, e.state) for e in stored_events],
            using=self.using,
            returning_ids=returning_ids,
        )

    @recorders.errors
    def select_first_events(self, originator_ids: Iterable[UUID]) -> list[StoredEvent]:
        """The first event of each of the given aggregates that has one, in one query."""
        records = rows_where(
            self.model,
            "originator_id",
            originator_ids,
            self.using,
            application_name=self.application_name,
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
    """Records an application's events in a batch (infrastructure.persistence.batches):
    the batch in hand, a follower's, or else a batch of one. So there is one way to
    record: under the application's insert lock, in one transaction with its tracking."""

    @recorders.errors
    def insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        return in_batch(self.application_name, self.using, self._insert_events, stored_events, **kwargs)


class BankProcessRecorder(BankApplicationRecorder, recorders.DjangoProcessRecorder):
    """Records a follower's events with its tracking positions.

    In a follower loop's batch, events are not inserted one notification at a time:
    they are kept and inserted with one statement when the batch ends, or before
    anything reads this application's events within it (a snapshot, an aggregate not
    in memory). They have no notification ids until then, so nothing is prompted
    on their recording; the follower's loop prompts once the batch commits.
    """

    def _insert_events(self, stored_events: list[StoredEvent], **kwargs: Any) -> Sequence[int]:
        tracking: Tracking | None = kwargs.get("tracking")
        if tracking is not None:
            self.track(tracking)
        if events_wait_for_batch_end():
            self.pending_events().stored_events += stored_events
            return []
        return super()._insert_events(stored_events)

    def track(self, tracking: Tracking) -> None:
        """Records a position in the batch in hand, refusing one already recorded. Under
        the insert lock, so no other processor of this follower can record a position in
        between: a position is recorded only once, in order."""
        position = self.max_tracking_id(tracking.application_name)
        if position is not None and tracking.notification_id <= position:
            msg = (
                f"{self.application_name} has already processed notification "
                f"{position} of {tracking.application_name}, "
                f"not recording {tracking.notification_id}"
            )
            raise IntegrityError(msg)
        record_position(tracking.application_name, tracking.notification_id, self.tracking_model)

    def __init__(
        self, *args: Any, tracking_model: type[Model] = models.NotificationTrackingRecord, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.tracking_model = tracking_model

    def max_tracking_id(self, application_name: str) -> int | None:
        """As eventsourcing-django's, in this follower's tracking table (and its batch)."""
        return self.max_tracking_ids([application_name])[application_name]

    def max_tracking_ids(self, application_names: Sequence[str]) -> dict[str, int | None]:
        """max_tracking_id of each of the given leaders, read with one statement."""
        return tracking_positions(self.application_name, application_names, self.read_max_tracking_ids)

    @recorders.errors
    def read_max_tracking_ids(self, application_names: Sequence[str]) -> dict[str, int | None]:
        """This follower's positions in the given leaders' logs, read with one statement (a
        follower of two leaders, Sagas or SagasProjection, reads both as each batch begins)."""
        probes = [
            (self.tracking_model, "notification_id", self.application_name, n) for n in application_names
        ]
        return dict(zip(application_names, highest_values(probes, self.using), strict=True))

    def pending_events(self) -> PendingEvents:
        return before_batch_commits("events", lambda: PendingEvents(self))

    def select_events(self, *args: Any, **kwargs: Any) -> list[StoredEvent]:
        write_now(self.application_name, "events")  # what the batch in hand recorded is read too
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
