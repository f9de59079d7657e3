"""What a verification found: its counts, totals and discrepancies."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

# What each check proves, by the name the report gives its discrepancies.
CHECKS = {
    "balance": "every account's balance equals the sum of its transactions",
    "overdraft limit": "no debit took an account below its overdraft limit as it stood then",
    "closed account": "no money moved into or out of a closed account, except refunds",
    "money conserved": "the sum of all balances equals deposits minus withdrawals",
    "transfer": "every transfer's debit is matched by exactly one credit or one refund",
    "applied twice": "no request was carried out twice, and nothing moved without a request",
    "request": "every request moved exactly the money its outcome says",
    "pending": "every request is final, or pending for less than the threshold",
    "read model": "every read-model row equals what the events say",
}


@dataclass
class Discrepancy:
    check: str
    detail: str
    account_id: UUID | None = None
    request_id: UUID | None = None
    notification_id: int | None = None
    application: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, UUID) else v) for k, v in asdict(self).items()}


@dataclass
class Report:
    started_at: datetime
    pending_limit_seconds: float
    finished_at: datetime | None = None
    counts: Counter = field(default_factory=Counter)
    totals: dict[str, str] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    discrepancies: list[Discrepancy] = field(default_factory=list)

    @property
    def is_consistent(self) -> bool:
        return not self.discrepancies

    @property
    def events_checked(self) -> int:
        return sum(count for name, count in self.counts.items() if name.startswith("events of "))

    def as_dict(self) -> dict[str, Any]:
        return {
            "consistent": self.is_consistent,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at and self.finished_at.isoformat(),
            "pending_limit_seconds": self.pending_limit_seconds,
            "checks": CHECKS,
            "events_checked": self.events_checked,
            "counts": dict(sorted(self.counts.items())),
            "totals": self.totals,
            "positions": self.positions,
            "discrepancies": [d.as_dict() for d in self.discrepancies],
        }
