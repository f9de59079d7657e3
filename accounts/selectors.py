"""Read-side queries over the account read models."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.core.paginator import Paginator
from django.utils import timezone

from accounts.models import AccountSummary, BankTotals


def bank_totals() -> dict[str, object]:
    """How many accounts, and the money in them (one projected row)."""
    totals = BankTotals.objects.first() or BankTotals()
    return {"account_count": totals.account_count, "total_balance": totals.total_balance or Decimal("0.00")}


# The orders a teller can ask for, by the column's name; "-name" is the same column reversed.
SORTS = {
    "number": "number",
    "name": "full_name",
    "balance": "balance",
    "limit": "overdraft_limit",
    "status": "is_closed",
    "changed": "changed_at",
}


def sort_order(sort: str) -> tuple[str, bool]:
    """The column asked for and whether it runs downwards; the number, upwards, otherwise."""
    column = sort.removeprefix("-")
    if column not in SORTS:
        return "number", False
    return column, sort.startswith("-")


def search_accounts(query: str = "", status: str = "", sort: str = "number"):
    """Accounts matching what a teller typed (number, name or e-mail), filtered and sorted."""
    from django.db.models import Q

    accounts = AccountSummary.objects.all()
    query = query.strip()
    if query:
        digits = "".join(query.replace("-", "").split())
        matches = Q(full_name__icontains=query) | Q(email_address__icontains=query)
        if digits.isascii() and digits.isdigit():
            matches |= Q(number__startswith=digits)
        accounts = accounts.filter(matches)
    if status == "open":
        accounts = accounts.filter(is_closed=False)
    elif status == "closed":
        accounts = accounts.filter(is_closed=True)
    elif status == "overdrawn":
        accounts = accounts.filter(balance__lt=0)
    column, downwards = sort_order(sort)
    return accounts.order_by(("-" if downwards else "") + SORTS[column], "number")


def account_pages(query: str, status: str, sort: str, per_page: int) -> Paginator:
    """The accounts matching a search, in pages. The list of every account is counted
    from the totals row rather than by counting every account's row."""
    paginator = Paginator(search_accounts(query, status, sort), per_page)
    if not query.strip() and not status:
        paginator.count = bank_totals()["account_count"]
    return paginator


def statement(account_id, first_day=None, last_day=None):
    """The account's ledger, newest first: one range of the (account_id, version) index;
    from and to a day in the bank's time zone, if asked."""
    from accounts.models import LedgerEntry

    entries = LedgerEntry.objects.filter(account_id=account_id).order_by("-version")
    if first_day is not None:
        entries = entries.filter(created_at__gte=start_of(first_day))
    if last_day is not None:
        entries = entries.filter(created_at__lt=start_of(last_day + timedelta(days=1)))
    return with_account_names(entries, "counterparty_account_id")


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def with_account_names(rows, *fields):
    """Annotates each row with the number and owner of the accounts its fields name, in
    the page's one query: `<field>_number` and `<field>_name`."""
    return with_accounts(rows, fields, number="number", name="full_name")


def with_accounts(rows, fields, **columns):
    """Annotates each row, for each of its fields that names an account, with that
    account's columns (`<field>_<name>` for each name=column), in the page's one query."""
    from django.db.models import OuterRef, Subquery

    for field in fields:
        account = AccountSummary.objects.filter(account_id=OuterRef(field))
        rows = rows.annotate(
            **{f"{field}_{name}": Subquery(account.values(column)[:1]) for name, column in columns.items()}
        )
    return rows
