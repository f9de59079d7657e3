"""The money grammar: what a typed or given amount may be, and why the rest is refused."""

import re
from decimal import Decimal

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from accounts.domain import (
    MAXIMUM_AMOUNT,
    InvalidAmountError,
    parse_amount,
    parse_money,
    parse_overdraft_limit,
)

pytestmark = pytest.mark.in_memory


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("10"), Decimal("10.00")),
        (Decimal("1.230"), Decimal("1.23")),
        (7, Decimal("7.00")),
        ("0.01", Decimal("0.01")),
        ("12.5", Decimal("12.50")),
        ("1,000", Decimal("1000.00")),
        ("1,250.00", Decimal("1250.00")),
        ("12,345,678.9", Decimal("12345678.90")),
        ("007", Decimal("7.00")),
        ("1000000000.00", Decimal("1000000000.00")),
        ("1,000,000,000.00", Decimal("1000000000.00")),
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
    "decimal comma": "2,50",
    "decimal comma after grouping points": "1.000,50",
    "exponent": "1e3",
    "negative exponent": "1E-2",
    "underscore": "1_000",
    "plus sign": "+5",
    "minus sign": "-5",
    "full-width digits": "１００",
    "Arabic-Indic digit": "٣",
    "superscript digit": "5²",
    "inner space": "1 000",
    "outer spaces": " 12.5 ",
    "groups of two": "1,00",
    "group of four": "1,0000",
    "leading comma": ",100",
    "point without pence": "5.",
    "pence without pounds": ".50",
    "two points": "1.2.3",
    "a huge integer": 10**5000,
    "a huge string": "9" * 5000,
}


@pytest.mark.parametrize("value", BAD_AMOUNTS.values(), ids=BAD_AMOUNTS.keys())
def test_bad_amounts_are_refused(value):
    with pytest.raises(InvalidAmountError) as raised:
        parse_amount(value)
    assert isinstance(raised.value, ValueError)
    assert set(raised.value.args[0]) == {"amount", "reason"}
    assert len(raised.value.args[0]["amount"]) <= 60  # what was given, shortened to be shown


def test_a_decimal_comma_is_refused_with_how_to_type_it():
    with pytest.raises(InvalidAmountError) as raised:
        parse_amount("2,50")
    assert raised.value.args[0]["reason"] == "use a point for pence: 2.50"
    with pytest.raises(InvalidAmountError) as raised:
        parse_amount("1.000,50")
    assert raised.value.args[0]["reason"] == "use a point for pence: 1000.50"


def test_an_overdraft_limit_may_be_zero_but_not_negative():
    assert parse_overdraft_limit(0) == Decimal("0.00")
    assert parse_overdraft_limit("500") == Decimal("500.00")
    with pytest.raises(InvalidAmountError):
        parse_overdraft_limit(Decimal("-0.01"))
    with pytest.raises(InvalidAmountError):
        parse_overdraft_limit(Decimal("0.001"))


@pytest.mark.parametrize("zero", [Decimal("-0"), Decimal("-0.00"), Decimal("-0E+5"), 0, "0", "0.00"])
def test_zero_is_always_plain_zero(zero):
    limit = parse_overdraft_limit(zero)
    assert str(limit) == "0.00"
    assert not limit.is_signed()


# A strict reading of the grammar, written independently of the domain's: ASCII
# digits, optionally grouped in threes by commas (the first group 1-3 digits, not
# starting with 0), then optionally a point and one or two digits.
STRICT = re.compile(r"(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?")


def strict_reading(text: str) -> Decimal | None:
    if not STRICT.fullmatch(text):
        return None
    value = Decimal(text.replace(",", ""))
    if value > MAXIMUM_AMOUNT:
        return None
    return value.quantize(Decimal("0.01"))


money_like = st.text(alphabet="0123456789,.", min_size=1, max_size=16)
anything = st.text(max_size=30)


@given(st.one_of(money_like, anything))
@example("2,50")
@example("1,000")
@example("0,100")
@example("٣")
@example("1e3")
def test_any_string_parses_to_its_strict_reading_or_is_refused(text):
    expected = strict_reading(text)
    try:
        parsed = parse_money(text, positive=False)
    except InvalidAmountError:
        assert expected is None, text
    else:
        assert parsed == expected, text
        assert parsed.as_tuple().exponent == -2


@given(
    st.one_of(
        st.integers(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.floats(),
        st.none(),
        st.booleans(),
        st.binary(max_size=8),
    )
)
def test_any_number_given_is_exact_money_or_refused(value):
    try:
        parsed = parse_money(value, positive=False)
    except InvalidAmountError:
        return
    assert not isinstance(value, (float, bool))
    assert parsed == Decimal(value) and parsed.as_tuple().exponent == -2 and not parsed.is_signed()
    assert parsed <= MAXIMUM_AMOUNT
