"""Read-side queries over the account read models."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from accounts.models import AccountSummary


def bank_totals() -> dict[str, object]:
    figures = AccountSummary.objects.aggregate(total_balance=Sum("balance"))
    return {
        "account_count": AccountSummary.objects.count(),
        "total_balance": figures["total_balance"] or Decimal("0.00"),
    }


def account_numbers(account_ids) -> dict:
    """account_id -> (number, pk) for the given ids, in one query."""
    rows = AccountSummary.objects.filter(account_id__in=[a for a in account_ids if a])
    return {row.account_id: (row.number, row.pk) for row in rows.only("account_id", "number")}
