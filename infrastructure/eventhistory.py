"""An aggregate's history as an auditor reads it: every event, when, and which request caused it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import Application

HIDDEN = {"originator_id", "originator_version", "timestamp", "originator_topic", "transaction_id"}


@dataclass(frozen=True)
class HistoryLine:
    version: int
    recorded_at: datetime
    event: str
    details: dict[str, Any]
    transaction_id: UUID | None


def event_history(app: Application[Any], originator_id: UUID) -> list[HistoryLine]:
    return [
        HistoryLine(
            version=event.originator_version,
            recorded_at=event.timestamp,
            event=type(event).__name__,
            details={k: v for k, v in vars(event).items() if k not in HIDDEN},
            transaction_id=getattr(event, "transaction_id", None),
        )
        for event in app.repository.event_store.get(originator_id)
    ]
