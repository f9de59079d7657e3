"""Money: one strict grammar for amounts, for forms and the Python API alike."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from accounts.errors import InvalidAmountError, shown

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAXIMUM_AMOUNT = Decimal("1000000000.00")  # the most one deposit, withdrawal, transfer or limit may be

# Money as typed, read strictly: ASCII digits, grouped in threes by commas or not
# at all, then a point and one or two digits for pence, or nothing.
MONEY_GRAMMAR = re.compile(r"(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?")
# A comma used as the decimal mark, as in 2,50 or 1.000,50.
DECIMAL_COMMA = re.compile(r"(?P<pounds>[0-9][0-9.]*),(?P<pence>[0-9]{1,2})")
LONGEST_AMOUNT_TEXT = 40  # far longer than any amount the bank can hold, typed with separators


def parse_money(value: Any, *, positive: bool) -> Decimal:
    """Returns value as a two-place Decimal, or raises InvalidAmountError.

    Text must follow the money grammar (MONEY_GRAMMAR): "25", "25.50",
    "1,250.00"; no signs, exponents, spaces, underscores or other digits than
    ASCII. Decimal and int values must be finite and exact to the penny; floats
    (which cannot hold money exactly) and booleans are refused. Values above
    MAXIMUM_AMOUNT and negative values are refused; with positive=True also zero.
    The result is normalised: two places, and never -0.00.
    """

    def invalid(reason: str) -> InvalidAmountError:
        return InvalidAmountError({"amount": shown(value), "reason": reason})

    if isinstance(value, (bool, float)):
        raise invalid("not an exact decimal number")
    if isinstance(value, str):
        amount = read_money_text(value, invalid, positive=positive)
    elif isinstance(value, (Decimal, int)):
        amount = Decimal(value)
        if not amount.is_finite():
            raise invalid("not a number")
    else:
        raise invalid("not a number")
    if amount > MAXIMUM_AMOUNT:
        raise invalid("more than 1,000,000,000.00")
    if amount < ZERO or (positive and amount == ZERO):
        raise invalid("must be more than zero" if positive else "must not be negative")
    rounded = amount.quantize(CENT)
    if rounded != amount:
        raise invalid("more than two decimal places")
    return rounded + ZERO  # adding zero turns -0.00 into 0.00


def read_money_text(text: str, invalid: Callable[[str], InvalidAmountError], *, positive: bool) -> Decimal:
    """The amount that text names under the money grammar, or the reason it names none."""
    if len(text) > LONGEST_AMOUNT_TEXT:
        raise invalid("too long to be an amount")
    if MONEY_GRAMMAR.fullmatch(text):
        return Decimal(text.replace(",", ""))
    decimal_comma = DECIMAL_COMMA.fullmatch(text)
    if decimal_comma:
        pounds = decimal_comma["pounds"].replace(".", "")
        raise invalid(f"use a point for pence: {pounds}.{decimal_comma['pence']:0<2}")
    if text[:1] == "-" and MONEY_GRAMMAR.fullmatch(text[1:]):
        raise invalid("must be more than zero" if positive else "must not be negative")
    if text[:1] == "+" and MONEY_GRAMMAR.fullmatch(text[1:]):
        raise invalid("has a sign")
    if re.fullmatch(r"[0-9]+\.[0-9]{3,}", text):
        raise invalid("more than two decimal places")
    if re.fullmatch(r"[0-9,]+(?:\.[0-9]{1,2})?", text) and "," in text:
        raise invalid("commas only between groups of three digits, as in 1,250.00")
    raise invalid("not a number")


def parse_amount(value: Any) -> Decimal:
    """The amount of a deposit, withdrawal or transfer: above zero."""
    return parse_money(value, positive=True)


def parse_overdraft_limit(value: Any) -> Decimal:
    """An overdraft limit: zero or more."""
    return parse_money(value, positive=False)


MINUS = "\u2212"  # a true minus sign: read as "minus", as wide as the digits


def in_pounds(value: Any) -> str:
    """£1,250.00, and −£40.00 for money owed; blank for no amount (pages' `money` filter)."""
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(CENT)
    sign = MINUS if amount < 0 else ""
    return f"{sign}£{abs(amount):,.2f}"
