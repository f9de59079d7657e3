"""Read models projected by process applications, exactly once.

eventsourcing's ProjectionRunner needs a recorder with subscribe(), which
eventsourcing-django does not have; so a read model here is kept by a
ProcessApplication that records no events: its policy changes Django ORM rows,
and the rows and its tracking record commit in one database transaction. An
event is therefore applied to the tables exactly once, whatever crashes, and a
second processor of the same projection is refused (see
infrastructure.persistence), rolling its rows back with it.

A policy does not write rows itself: it reads and changes them through
``ReadModelProjection.changes``, which keeps them for the rest of the
transaction (a batch of notifications, or one) and writes them in bulk at its end.

A rebuild (infrastructure/management/commands/rebuild_read_models.py) projects into shadow
copies of the tables, made by ``shadow_model``, and swaps them in at its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps.registry import Apps
from django.db import models
from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import ProgrammingError, Recording, Tracking

from infrastructure.persistence import before_batch_commits, write_rows
from infrastructure.persistence.batches import in_batch
from infrastructure.persistence.sqlreader import rows_where

# The shadow models, in a registry of their own: Django's (migrations, the admin) never sees them.
SHADOW_APPS = Apps()
_shadow_models: dict[type[models.Model], type[models.Model]] = {}


def shadow_model(model: type[models.Model]) -> type[models.Model]:
    """A model of the same fields on the table "rebuild_<the model's table>".

    A rebuild projects every event into these tables, each batch its own short
    transaction, while the live tables stay as they are for pages and the live
    projections; it then swaps the new rows in at once. Its indexes and constraints
    are the model's, renamed: their names are the database's (SQLite's, PostgreSQL's) to share.
    """
    if model not in _shadow_models:
        meta = model._meta
        prefix = "rebuild_"
        indexes = [index.clone() for index in meta.indexes]
        constraints = [constraint.clone() for constraint in meta.constraints]
        for named in (*indexes, *constraints):
            named.name = prefix + named.name
        attrs: dict[str, Any] = {field.name: field.clone() for field in meta.local_fields}
        attrs["__module__"] = model.__module__
        attrs["Meta"] = type(
            "Meta",
            (),
            {
                "apps": SHADOW_APPS,
                "app_label": meta.app_label,
                "db_table": prefix + meta.db_table,
                "indexes": indexes,
                "constraints": constraints,
                "unique_together": meta.unique_together,
                "managed": False,
            },
        )
        _shadow_models[model] = type(f"Rebuilt{model.__name__}", (models.Model,), attrs)
    return _shadow_models[model]


class ReadModelChanges:
    """The read-model rows one transaction reads and changes, written together at its end.

    Rows are found by one unique field. A row read once is kept, so later events
    of the same transaction see and change the same object; new rows are inserted
    with one statement per model, changed rows updated with one statement per model.
    Only the projection writes its tables, and it holds its lock for the whole
    transaction, so nobody else changes the rows in between.

    Rows are read and written in the tables that ``tables`` maps each model to (those
    of the projection), so that a rebuild's projection works on its shadow tables.
    """

    def __init__(self, tables: dict[type[models.Model], type[models.Model]] | None = None) -> None:
        self.tables = tables or {}
        self.rows: dict[tuple[type[models.Model], Any], models.Model | None] = {}
        self.added: dict[type[models.Model], list[models.Model]] = {}
        self.added_here: set[int] = set()  # ids of the objects in added
        self.changed: dict[type[models.Model], dict[int, models.Model]] = {}
        self.changed_fields: dict[type[models.Model], set[str]] = {}

    def get(self, model: type[models.Model], field: str, value: Any) -> Any:
        """The row whose field is value, or None."""
        self.prefetch(model, field, [value])
        return self.rows[(model, value)]

    def prefetch(self, model: type[models.Model], field: str, values: Iterable[Any]) -> None:
        """Reads at once the rows whose field is one of values (those not read yet)."""
        wanted = {value for value in values if (model, value) not in self.rows}
        if not wanted:
            return
        for row in rows_where(self.table(model), field, wanted):
            self.rows[(model, getattr(row, field))] = row
        for value in wanted:
            self.rows.setdefault((model, value), None)

    def add(self, row: models.Model, field: str | None = None) -> None:
        """A new row, found from now on by its field (if given)."""
        if field is not None:
            self.rows[(type(row), getattr(row, field))] = row
        self.added.setdefault(type(row), []).append(row)
        self.added_here.add(id(row))

    def change(self, row: models.Model, *fields: str) -> None:
        """Marks fields of a row read here as changed (rows added here are written whole)."""
        if id(row) in self.added_here:
            return
        self.changed.setdefault(type(row), {})[row.pk] = row
        self.changed_fields.setdefault(type(row), set()).update(fields)

    def table(self, model: type[models.Model]) -> type[models.Model]:
        """The model whose table holds model's rows here (rows read there are of that model)."""
        return self.tables.get(model, model)

    def write(self) -> None:
        for model, rows in self.added.items():
            write_rows(self.table(model), rows)
        for model, changed in self.changed.items():
            write_rows(
                self.table(model), list(changed.values()), update_fields=sorted(self.changed_fields[model])
            )


class ReadModelProjection:
    """A follower whose policy changes read-model rows through self.changes.

    Mixed in before the other bases of a ProcessApplication (and of the applications'
    LeanFollower, whose process_event it wraps in the batch):
    ``class AccountsProjection(ReadModelProjection, LeanFollower, ..., ProcessApplication)``.
    """

    name: str
    recorder: Any

    read_models: tuple[type, ...] = ()  # the tables this projection writes
    # Its positions in a table of their own, so that a rebuild locks nothing of the money path's.
    env = {"TRACKING_RECORDS": "projections"}

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        # The one place that redirects this projection's tables: a rebuild maps each of
        # read_models to its shadow_model, so that the live tables stay whole for pages
        # (and for the live projection) until the rebuilt rows are complete.
        self.tables: dict[type[models.Model], type[models.Model]] = {}

    @property
    def changes(self) -> ReadModelChanges:
        """The rows of the batch in hand."""
        return before_batch_commits(self.name, lambda: ReadModelChanges(self.tables))

    def prefetch(self, domain_events: list[Any]) -> None:
        """Called with a batch's events before they are processed (by
        infrastructure.worker.FollowerLoop): reads at once the rows they will change."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        # In the batch in hand (a worker's), or else a batch of one: the rows change in
        # the transaction that records the tracking position, under the projection's lock.
        in_batch(self.name, None, super().process_event, domain_event, tracking)

    def _record(self, processing_event: ProcessingEvent) -> list[Recording]:
        """Records the notification's position, and no events: a projection has none.

        eventsourcing's _record would put an empty list of events through the event
        store, its mapper and the recorder's insert, once a notification, for the
        recorder to record the tracking position (with the batch joined by a comparison,
        in_batch, 6% of the worker's instructions under callgrind).
        """
        if processing_event.events:
            msg = f"{self.name} is a projection: it changes rows and records no events"
            raise ProgrammingError(msg)
        self.recorder.track(processing_event.tracking)  # a BankProcessRecorder: read models are Django's
        return []
