"""Money and dates as the bank's staff read them, on the teller pages and in the admin alike."""

from decimal import Decimal

from django import template
from django.utils import formats, timezone

register = template.Library()

MINUS = "\u2212"  # a true minus sign: read as "minus", as wide as the digits


@register.filter
def money(value) -> str:
    """£1,250.00, and −£40.00 for money owed; blank for no amount."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"))
    sign = MINUS if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"


@register.filter
def when(value) -> str:
    """A moment in the bank's time zone, in the one format every page uses (settings' DATETIME_FORMAT)."""
    if not value:
        return ""
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
