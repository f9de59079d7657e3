"""Read models projected by process applications, exactly once.

eventsourcing's ProjectionRunner needs a recorder with subscribe(), which
eventsourcing-django does not have; so a read model here is kept by a
ProcessApplication that records no events: its policy writes Django ORM rows,
and the rows and its tracking record commit in one database transaction. An
event is therefore applied to the tables exactly once, whatever crashes, and a
second processor of the same projection is refused (see
bankproject.persistence), rolling its rows back with it.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from eventsourcing.persistence import Tracking
from eventsourcing.system import ProcessApplication

from bankproject.persistence import in_batch, serialise_inserts


class ReadModelProjection(ProcessApplication):
    """A follower whose policy writes read-model rows."""

    read_models: tuple[type, ...] = ()  # the tables this projection writes

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        if in_batch(self.name):
            super().process_event(domain_event, tracking)  # the batch's transaction and lock
            return
        with transaction.atomic():
            # First of all: every writer of these tables (this, a second worker,
            # a rebuild) takes the same lock first, so none can deadlock another.
            serialise_inserts(self.name, None)
            super().process_event(domain_event, tracking)

    def clear(self) -> None:
        """Empties this projection's tables (inside the caller's transaction)."""
        for model in self.read_models:
            model.objects.all().delete()
