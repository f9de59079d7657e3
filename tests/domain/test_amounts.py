from decimal import Decimal

import pytest

from accounts.domain import InvalidAmountError, parse_amount, parse_overdraft_limit

pytestmark = pytest.mark.in_memory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10"), Decimal("10.00")),
        (Decimal("1.230"), Decimal("1.23")),
        (7, Decimal("7.00")),
        ("0.01", Decimal("0.01")),
        (" 12.5 ", Decimal("12.50")),
        ("1000000000.00", Decimal("1000000000.00")),
    ],
)
def test_good_amounts_become_two_place_decimals(value, expected):
    amount = parse_amount(value)
    assert amount == expected
    assert amount.as_tuple().exponent == -2


BAD_AMOUNTS = {
    "zero": 0,
    "zero decimal": Decimal("0.00"),
    "negative": Decimal("-5"),
    "three places": Decimal("0.001"),
    "three places string": "10.005",
    "NaN": Decimal("NaN"),
    "NaN string": "nan",
    "infinity": Decimal("Infinity"),
    "minus infinity": "-inf",
    "too large": Decimal("1000000000.01"),
    "huge exponent": Decimal("1E+400"),
    "float": 10.5,
    "not a number": "ten pounds",
    "empty": "",
    "bool": True,
    "none": None,
}


@pytest.mark.parametrize("value", BAD_AMOUNTS.values(), ids=BAD_AMOUNTS.keys())
def test_bad_amounts_are_refused(value):
    with pytest.raises(InvalidAmountError) as raised:
        parse_amount(value)
    assert isinstance(raised.value, ValueError)
    assert set(raised.value.args[0]) == {"amount", "reason"}


def test_an_overdraft_limit_may_be_zero_but_not_negative():
    assert parse_overdraft_limit(0) == Decimal("0.00")
    assert parse_overdraft_limit("500") == Decimal("500.00")
    with pytest.raises(InvalidAmountError):
        parse_overdraft_limit(Decimal("-0.01"))
    with pytest.raises(InvalidAmountError):
        parse_overdraft_limit(Decimal("0.001"))
