"""The migrations that add a projected figure (the bank's totals row, the requests per hour)
count what was projected before them."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from uuid import uuid4

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE, AFTER = ("accounts", "0002_teller_and_auditor_groups"), ("accounts", "0003_bank_totals")


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def test_the_totals_row_starts_from_the_accounts_already_projected():
    apps = migrate(BEFORE)
    try:
        AccountSummary = apps.get_model("accounts", "AccountSummary")
        now = timezone.now()
        # Rows as the projection left them before the migration.
        for number, balance in (("000000018", "10.50"), ("000000026", "-3.00")):
            AccountSummary.objects.create(
                account_id=uuid4(),
                number=number,
                balance=D(balance),
                opened_at=now,
                changed_at=now,
                version=1,
            )
        apps = migrate(AFTER)
        totals = apps.get_model("accounts", "BankTotals").objects.get()
        assert (totals.pk, totals.account_count, totals.total_balance) == (1, 2, D("7.50"))
    finally:
        migrate(AFTER)


def test_with_no_accounts_there_is_no_totals_row_yet():
    migrate(BEFORE)
    apps = migrate(AFTER)
    assert not apps.get_model("accounts", "BankTotals").objects.exists()


def test_the_requests_per_hour_start_from_the_requests_already_projected():
    before, after = ("sagas", "0001_initial"), ("sagas", "0002_hourly_requests")
    apps = migrate(before)
    try:
        SagaSummary = apps.get_model("sagas", "SagaSummary")
        ten = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
        # Rows as the projection left them before the migration: two hours, a failure in each.
        for minutes, status in ((0, "succeeded"), (59, "failed"), (60, "pending"), (119, "failed")):
            SagaSummary.objects.create(
                saga_id=uuid4(), kind="deposit", status=status, created_at=ten + timedelta(minutes=minutes)
            )
        apps = migrate(after)
        hours = apps.get_model("sagas", "HourlyRequests").objects.order_by("hour")
        assert list(hours.values_list("hour", "total", "failed")) == [
            (ten, 2, 1),
            (ten + timedelta(hours=1), 2, 1),
        ]
    finally:
        migrate(after)
