"""What a request may carry besides money: names, addresses, ids, who sent it.

Everything accepted here fits the read models' columns on every database; the
rest is refused when the request is made, never by a database later.
"""

from uuid import UUID, uuid4

import pytest
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from accounts.domain import (
    AccountNotFoundError,
    InvalidDetailsError,
    parse_account_id,
    parse_email_address,
    parse_full_name,
)
from sagas.requestids import parse_request_id, parse_submitted_by

pytestmark = pytest.mark.in_memory

LONGEST_NAME = "N" * 200
LONGEST_EMAIL = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 58]) + ".uk"


def test_the_longest_details_are_accepted():
    assert len(LONGEST_EMAIL) == 254
    assert parse_full_name(LONGEST_NAME) == LONGEST_NAME
    assert parse_full_name("") == ""  # the API keeps the seed's default
    assert parse_email_address(LONGEST_EMAIL) == LONGEST_EMAIL
    assert parse_email_address("") == ""
    assert parse_request_id("r" * 100) == "r" * 100
    assert parse_submitted_by("s" * 150) == "s" * 150


BAD_DETAILS = {
    "name too long": (parse_full_name, "N" * 201, "longer than 200 characters"),
    "name missing": (parse_full_name, None, "must be text"),
    "name with a NUL": (parse_full_name, "Ann\x00", "contains control characters"),
    "name with a lone surrogate": (parse_full_name, "Ann\ud800", "contains control characters"),
    "e-mail too long": (parse_email_address, "a" * 250 + "@b.uk", "longer than 254 characters"),
    "e-mail without @": (parse_email_address, "alice.example.com", "not an e-mail address"),
    "e-mail with a space": (parse_email_address, "alice smith@example.com", "not an e-mail address"),
    "e-mail without a domain": (parse_email_address, "alice@", "not an e-mail address"),
    "request id empty": (parse_request_id, "", "must not be empty"),
    "request id blank": (parse_request_id, "   ", "must not be empty"),
    "request id too long": (parse_request_id, "r" * 101, "longer than 100 characters"),
    "request id a number": (parse_request_id, 7, "must be text"),
    "submitter too long": (parse_submitted_by, "s" * 151, "longer than 150 characters"),
    "submitter missing": (parse_submitted_by, None, "must be text"),
}


@pytest.mark.parametrize(("parse", "value", "reason"), BAD_DETAILS.values(), ids=BAD_DETAILS.keys())
def test_details_that_cannot_be_recorded_are_refused_with_the_reason(parse, value, reason):
    with pytest.raises(InvalidDetailsError) as raised:
        parse(value)
    assert raised.value.args[0]["reason"] == reason
    assert isinstance(raised.value, ValueError)


def test_a_uuid_request_id_is_recorded_as_its_text():
    request_id = uuid4()
    assert parse_request_id(request_id) == str(request_id)
    assert parse_request_id(None) is None


def test_account_ids_are_uuids_or_name_no_account():
    account_id = uuid4()
    assert parse_account_id(account_id) is account_id
    assert parse_account_id(str(account_id)) == account_id
    for not_an_id in ("abc", "", None, 12, "0" * 5000):
        with pytest.raises(AccountNotFoundError) as raised:
            parse_account_id(not_an_id)
        assert len(raised.value.args[0]["account_id"]) <= 60
    assert isinstance(parse_account_id(account_id.hex), UUID)


@pytest.mark.parametrize(
    "address",
    ["alice@example.com", "a.b+c@mail.example.co.uk", LONGEST_EMAIL, "x@y.z", "ann@example.com."],
)
def test_every_address_the_bank_records_from_a_form_passes_djangos_validator_too(address):
    """The form (Django's EmailValidator) is the stricter of the two: what it lets
    through, the domain records."""
    try:
        EmailValidator()(address)
    except ValidationError:
        return
    assert parse_email_address(address) == address
