"""Auditors' exports: a verification's report and an account's history, as CSV rows."""

from __future__ import annotations

from collections.abc import Iterator

from audit.models import LedgerVerification
from audit.selectors import AccountAsAt


def report_rows(verification: LedgerVerification) -> Iterator[list[str]]:
    report = verification.report or {}
    yield ["verification", str(verification.pk)]
    yield ["outcome", verification.get_outcome_display() or verification.status]
    yield ["started at", report.get("started_at", "")]
    yield ["finished at", report.get("finished_at") or ""]
    yield ["events checked", str(report.get("events_checked", 0))]
    for name, count in report.get("counts", {}).items():
        yield [name, str(count)]
    for name, amount in report.get("totals", {}).items():
        yield [name, amount]
    yield []
    yield ["check", "detail", "account", "request", "application", "notification"]
    for d in report.get("discrepancies", []):
        yield [
            d["check"],
            d["detail"],
            d["account_id"] or "",
            d["request_id"] or "",
            d["application"],
            str(d["notification_id"] or ""),
        ]


def history_rows(number: str, as_at: AccountAsAt) -> Iterator[list[str]]:
    yield ["account", number]
    yield ["as at", as_at.moment.isoformat()]
    yield ["status", as_at.status]
    if as_at.is_opened:
        yield ["balance", str(as_at.balance)]
        yield ["overdraft limit", str(as_at.overdraft_limit)]
    yield []
    yield ["version", "recorded at", "what", "amount", "balance", "request"]
    for line in reversed(as_at.lines):  # oldest first, as a ledger is read
        yield [
            str(line.version),
            line.recorded_at.isoformat(),
            line.kind,
            str(line.amount),
            str(line.balance_after),
            str(line.transaction_id or ""),
        ]
