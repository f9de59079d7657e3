"""Money and dates as the bank's staff read them, on the teller pages and in the admin alike."""

import re
from decimal import Decimal

from django import template
from django.utils import formats, timezone

from accounts.money import in_pounds

register = template.Library()

money = register.filter("money", in_pounds)


@register.filter
def when(value) -> str:
    """A moment in the bank's time zone, in the one format every page uses (settings' DATETIME_FORMAT)."""
    if not value:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


@register.filter
def readable(value, account_numbers=None) -> str:
    """A value recorded in an event, as an auditor reads it: money, dates, account numbers
    (given a map of account ids to numbers) and errors in words, not Python's notation."""
    from datetime import datetime
    from uuid import UUID

    from accounts.domain import TransactionError

    account_numbers = account_numbers or {}
    if isinstance(value, Decimal):
        return money(value)
    if isinstance(value, datetime):
        return when(value)
    if isinstance(value, UUID):
        number = account_numbers.get(value)
        return f"account {number}" if number else str(value)
    if isinstance(value, TransactionError):
        what = re.sub(r"(?<!^)(?=[A-Z])", " ", type(value).__name__.removesuffix("Error")).capitalize()
        details = value.args[0] if value.args and isinstance(value.args[0], dict) else {}
        return f"{what} ({readable(details, account_numbers)})" if details else what
    if isinstance(value, dict):
        return ", ".join(f"{words(name)}: {readable(v, account_numbers)}" for name, v in value.items())
    if isinstance(value, (list, tuple)):
        return "; ".join(readable(v, account_numbers) for v in value) or "none"
    return str(value)


@register.filter
def words(name: str) -> str:
    """A recorded field's name as words: debit_account_id -> debit account id."""
    return name.replace("_", " ")
