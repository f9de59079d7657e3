"""Read models projected by process applications, exactly once.

eventsourcing's ProjectionRunner needs a recorder with subscribe(), which
eventsourcing-django does not have; so a read model here is kept by a
ProcessApplication that records no events: its policy changes Django ORM rows,
and the rows and its tracking record commit in one database transaction. An
event is therefore applied to the tables exactly once, whatever crashes, and a
second processor of the same projection is refused (see
bankproject.persistence), rolling its rows back with it.

A policy does not write rows itself: it reads and changes them through
``ReadModelProjection.changes``, which keeps them for the rest of the
transaction (a batch of notifications, or one) and writes them in bulk at its end.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction
from eventsourcing.persistence import Tracking
from eventsourcing.system import ProcessApplication

from bankproject.persistence import before_batch_commits, in_batch, insert_rows, serialise_inserts


class ReadModelChanges:
    """The read-model rows one transaction reads and changes, written together at its end.

    Rows are found by one unique field. A row read once is kept, so later events
    of the same transaction see and change the same object; new rows are inserted
    with one statement per model, changed rows updated with one statement per model.
    Only the projection writes its tables, and it holds its lock for the whole
    transaction, so nobody else changes the rows in between.
    """

    def __init__(self) -> None:
        self.rows: dict[tuple[type[models.Model], Any], models.Model | None] = {}
        self.added: dict[type[models.Model], list[models.Model]] = {}
        self.added_here: set[int] = set()  # ids of the objects in added
        self.changed: dict[type[models.Model], dict[int, models.Model]] = {}
        self.changed_fields: dict[type[models.Model], set[str]] = {}

    def get(self, model: type[models.Model], field: str, value: Any) -> Any:
        """The row whose field is value, or None."""
        key = (model, value)
        if key not in self.rows:
            self.rows[key] = model.objects.filter(**{field: value}).first()
        return self.rows[key]

    def prefetch(self, model: type[models.Model], field: str, values: Iterable[Any]) -> None:
        """Reads at once the rows whose field is one of values (those not read yet)."""
        wanted = {value for value in values if (model, value) not in self.rows}
        if not wanted:
            return
        for row in model.objects.filter(**{f"{field}__in": wanted}):
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

    def write(self) -> None:
        for model, rows in self.added.items():
            insert_rows(model, rows)
        for model, changed in self.changed.items():
            insert_rows(model, list(changed.values()), update_fields=sorted(self.changed_fields[model]))


class ReadModelProjection(ProcessApplication):
    """A follower whose policy changes read-model rows through self.changes."""

    read_models: tuple[type, ...] = ()  # the tables this projection writes
    # Its positions in a table of their own, so that a rebuild locks nothing of the money path's.
    env = {"TRACKING_RECORDS": "projections"}

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        self._changes: ReadModelChanges | None = None

    @property
    def changes(self) -> ReadModelChanges:
        """The rows of the transaction in progress."""
        if in_batch(self.name):
            return before_batch_commits(self.name, ReadModelChanges)
        assert self._changes is not None, "read models change only while processing an event"
        return self._changes

    def prefetch(self, domain_events: list[Any]) -> None:
        """Called with a batch's events before they are processed (by
        bankproject.worker.FollowerLoop): reads at once the rows they will change."""

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if in_batch(self.name):
            super().process_event(domain_event, tracking)  # the batch's transaction and lock
            return
        with transaction.atomic():
            # First of all: every writer of these tables (this, a second worker,
            # a rebuild) takes the same lock first, so none can deadlock another.
            serialise_inserts(self.name, None)
            self._changes = ReadModelChanges()
            try:
                super().process_event(domain_event, tracking)
                self._changes.write()
            finally:
                self._changes = None

    def clear(self) -> None:
        """Empties this projection's tables (inside the caller's transaction)."""
        for model in self.read_models:
            model.objects.all().delete()
