"""Server time of the main pages at scale: read models filled straight, pages timed."""

from __future__ import annotations

import time
from decimal import Decimal
from uuid import uuid4

from benchmarks.stats import percentile


def page_ms(
    page_accounts: int, page_entries: int, repeats: int = 40, warm_up: int = 5
) -> dict[str, dict[str, float]]:
    """Server time of the main pages with many accounts and ledger entries in the read models."""
    from django.contrib.auth.models import User
    from django.test import Client

    busy = fill_read_models(page_accounts, page_entries)
    user = User.objects.create_superuser("bench", "bench@example.com", "bench-password-1")
    client = Client()
    client.force_login(user)
    pages = {
        "accounts_list": "/accounts/",
        "account_page": f"/accounts/{busy.number}/",
        "admin_dashboard": "/admin/dashboard/",
    }
    return {name: time_page(client, url, repeats, warm_up) for name, url in pages.items()}


def fill_read_models(page_accounts: int, page_entries: int):
    """Accounts and ledger entries loaded straight into the read models (and the totals
    row counting them); returns the last account."""
    from django.db.models import Count, Sum
    from django.utils import timezone

    from accounts.models import AccountSummary, BankTotals, LedgerEntry
    from accounts.numbers import account_number

    now = timezone.now()
    start = 10_000_000
    fake_accounts = [
        AccountSummary(
            account_id=uuid4(),
            number=account_number(start + n),
            full_name=f"Customer {n}",
            balance=Decimal(n % 5000),
            opened_at=now,
            changed_at=now,
            version=1,
        )
        for n in range(page_accounts)
    ]
    AccountSummary.objects.bulk_create(fake_accounts, batch_size=5000)
    # Rows loaded behind the projection's back: its totals row must count them too.
    figures = AccountSummary.objects.aggregate(count=Count("pk"), total=Sum("balance"))
    BankTotals.objects.update_or_create(
        pk=BankTotals.ROW, defaults={"account_count": figures["count"], "total_balance": figures["total"]}
    )
    busy = fake_accounts[-1]
    per_account = max(1, page_entries // page_accounts)
    accounts = [account.account_id for account in fake_accounts]
    entries = []
    for account_id in accounts:
        for version in range(per_account):
            entries.append(
                LedgerEntry(
                    account_id=account_id,
                    version=version + 2,
                    kind="deposit",
                    amount=Decimal("1.00"),
                    balance_after=Decimal(version + 1),
                    created_at=now,
                )
            )
        if len(entries) >= 20000:
            LedgerEntry.objects.bulk_create(entries)
            entries = []
    LedgerEntry.objects.bulk_create(entries)
    return busy


def time_page(client, url: str, repeats: int, warm_up: int) -> dict[str, float]:
    """The page's server time, median and 95th percentile, after a warm-up that is not
    timed: the first requests after loading a million rows measure the database reading
    pages back into its buffer pool, not the server's time."""
    for _ in range(warm_up):
        client.get(url, secure=True)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    timings.sort()
    return {"p50": round(percentile(timings, 50), 1), "p95": round(percentile(timings, 95), 1)}
