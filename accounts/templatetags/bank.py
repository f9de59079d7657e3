"""Money and dates as the bank's staff read them, on the teller pages and in the admin alike."""

import re
from datetime import datetime
from decimal import Decimal

from django import template
from django.utils import formats, timezone
from django.utils.dates import MONTHS_3

from accounts.money import in_pounds

register = template.Library()

money = register.filter("money", in_pounds)


BANK_DATETIME_FORMAT = "j M Y, H:i T"  # bankproject/formats


@register.filter
def when(value) -> str:
    """A moment in the bank's time zone, in the one format every page uses (settings' DATETIME_FORMAT)."""
    if not value:
        return ""
    local = timezone.localtime(value)
    if formats.get_format("DATETIME_FORMAT") == BANK_DATETIME_FORMAT and not ambiguous(local):
        # The bank's format written straight, as Django's date format writes it: that reads the
        # format a letter at a time, four times as long (75 dates on a busy day's dashboard).
        return f"{local.day} {MONTHS_3[local.month].title()} {local.year:04d}, {local:%H:%M} {local.tzname()}"
    return formats.date_format(local, "DATETIME_FORMAT")


def ambiguous(local: datetime) -> bool:
    """Whether the local time is one the clocks show twice (or skip), for which Django's date
    format leaves out the zone's name ("T")."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


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
