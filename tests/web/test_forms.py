"""The teller's forms refuse whatever the domain refuses (they may only be stricter)."""

from uuid import uuid4

import pytest
from django import forms as django_forms

from accounts.domain import InvalidAmountError, parse_amount, parse_overdraft_limit
from accounts.forms import MoneyField, OpenAccountForm
from tests.domain.test_amounts import BAD_AMOUNTS
from tests.domain.test_request_details import BAD_DETAILS

pytestmark = pytest.mark.in_memory

# What a form may drop before the domain reads the amount: outer spaces and a pound sign.
FORGIVEN = {"outer spaces"}


@pytest.mark.parametrize(
    "typed",
    [v for k, v in BAD_AMOUNTS.items() if isinstance(v, str) and k not in FORGIVEN],
    ids=[k for k, v in BAD_AMOUNTS.items() if isinstance(v, str) and k not in FORGIVEN],
)
@pytest.mark.parametrize("positive", [True, False], ids=["amount", "overdraft limit"])
def test_the_money_field_refuses_every_amount_the_domain_refuses(typed, positive):
    parse = parse_amount if positive else parse_overdraft_limit
    try:
        parse(typed)
    except InvalidAmountError:
        pass
    else:
        assert not positive, "only zero differs between the two"
        return
    with pytest.raises(django_forms.ValidationError):
        MoneyField(positive=positive).clean(typed)


def test_the_money_field_forgives_only_a_pound_sign_and_outer_spaces():
    field = MoneyField()
    assert str(field.clean(" £1,250.50 ")) == "1250.50"
    assert str(field.clean("£ 5")) == "5.00"
    for typed in ("££5", "5£", "$5", "GBP 5", "5 £"):
        with pytest.raises(django_forms.ValidationError):
            field.clean(typed)


OPENING_FIELDS = {"parse_full_name": "full_name", "parse_email_address": "email_address"}


@pytest.mark.parametrize(
    ("parse", "value"),
    [(parse, value) for parse, value, _ in BAD_DETAILS.values() if parse.__name__ in OPENING_FIELDS],
)
def test_the_opening_form_refuses_every_detail_the_domain_refuses(parse, value):
    field = OPENING_FIELDS[parse.__name__]
    data = {"request_id": str(uuid4()), "full_name": "Ann", field: value if value is not None else ""}
    form = OpenAccountForm(data)
    assert not form.is_valid(), (field, value)
    assert field in form.errors
