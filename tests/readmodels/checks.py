"""The read models must equal what the event store says."""

import time
from datetime import UTC
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncHour
from eventsourcing.application import AggregateNotFoundError

from accounts.models import AccountSummary, BankTotals, LedgerEntry
from bankproject.system import BankAccountSystem
from infrastructure.status import follower_positions
from sagas.models import HourlyRequests, SagaSummary


def wait_for_read_models(timeout=120.0, system=None):
    """Until every follower (projections included) has processed everything."""
    system = system or BankAccountSystem(read_models=True)
    deadline = time.monotonic() + timeout
    while True:
        behind = [p for p in follower_positions(system) if p.lag]
        if not behind:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"followers still behind after {timeout}s: {behind}")
        time.sleep(0.05)


def check_read_models(accounts, sagas, account_ids, saga_ids, system=None):
    """Asserts every projected row equals the aggregates it was projected from."""
    wait_for_read_models(system=system)
    checked_accounts = 0
    for account_id in account_ids:
        try:
            account = accounts.get_account(account_id)
        except Exception:  # never opened (a request for an unknown account)
            assert not AccountSummary.objects.filter(account_id=account_id).exists()
            continue
        summary = AccountSummary.objects.get(account_id=account_id)
        assert (summary.balance, summary.overdraft_limit, summary.is_closed) == (
            account.balance,
            account.overdraft_limit,
            account.is_closed,
        ), f"account {summary.number} differs from its aggregate"
        assert summary.full_name == account.full_name
        entries = list(LedgerEntry.objects.filter(account_id=account_id).order_by("version"))
        assert sum((e.amount for e in entries), Decimal("0.00")) == account.balance
        running = Decimal("0.00")
        for entry in entries:
            running += entry.amount
            assert entry.balance_after == running, f"running balance breaks at {entry.version}"
        checked_accounts += 1
    # The bank's totals, kept as events arrive, equal the sum over every account's row.
    figures = AccountSummary.objects.aggregate(count=Count("pk"), total=Sum("balance"))
    totals = BankTotals.objects.get()
    assert (totals.account_count, totals.total_balance) == (figures["count"], figures["total"])

    for saga_id in saga_ids:
        try:
            saga = sagas.get_saga(saga_id)
        except AggregateNotFoundError:
            saga = None
        summary = SagaSummary.objects.get(saga_id=saga_id)
        expected = (
            SagaSummary.Status.PENDING
            if saga is None or not saga.is_final
            else SagaSummary.Status.SUCCEEDED
            if saga.has_succeeded
            else SagaSummary.Status.FAILED
        )
        assert summary.status == expected, f"request {saga_id} is {summary.status}, its saga {expected}"
        assert bool(summary.errors) == (expected == SagaSummary.Status.FAILED)
    assert SagaSummary.objects.count() >= len(saga_ids)
    check_hourly_requests()
    return checked_accounts


def requests_by_hour():
    """The request rows counted by the hour (UTC) they were submitted in: {hour: (total, failed)}."""
    counted = (
        SagaSummary.objects.annotate(hour=TruncHour("created_at", tzinfo=UTC))
        .values("hour")
        .annotate(total=Count("pk"), failed=Count("pk", filter=Q(status=SagaSummary.Status.FAILED)))
    )
    return {row["hour"]: (row["total"], row["failed"]) for row in counted}


def check_hourly_requests():
    """Asserts the requests-per-hour rows (the dashboard's chart) count what the request rows say."""
    projected = {
        hour: (total, failed)
        for hour, total, failed in HourlyRequests.objects.values_list("hour", "total", "failed")
        if total or failed
    }
    assert projected == requests_by_hour()
