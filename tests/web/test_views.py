"""Every teller page and form: what works, what is refused with a message, and who may do what."""

import re
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccountSummary, LedgerEntry
from accounts.numbers import account_number
from sagas.models import SagaSummary
from tests.web.conftest import commands_recorded

PROJECT_DIR = Path(__file__).resolve().parents[2]


def page_urls(account):
    return [
        reverse("account_list"),
        reverse("account_detail", args=[account.number]),
        reverse("open_account"),
        reverse("request_list"),
        *form_urls(account),
    ]


def form_urls(account):
    return [
        reverse(name, args=[account.number])
        for name in ("deposit", "withdraw", "transfer", "set_overdraft_limit", "close_account")
    ]


def test_anonymous_users_are_sent_to_log_in(client, accounts):
    for url in page_urls(accounts["alice"]) + [reverse("request_detail", args=[uuid4()])]:
        assert client.get(url).url.startswith("/login/"), url
        assert client.post(url, {"amount": "1"}).url.startswith("/login/"), url
    assert client.get("/").status_code == 302


def reading_urls(account):
    return [
        reverse("account_list"),
        reverse("account_detail", args=[account.number]),
        reverse("request_list"),
    ]


def test_auditors_read_every_page_and_see_no_actions(auditor, accounts):
    for url in reading_urls(accounts["alice"]):
        page = auditor.get(url)
        assert page.status_code == 200, url
        assert b"Open an account" not in page.content, url
    detail = auditor.get(reverse("account_detail", args=[accounts["alice"].number])).content
    for action in (b"Deposit</a>", b"Withdraw</a>", b"Transfer</a>", b"Close</a>", b"Overdraft limit</a>"):
        assert action not in detail


def test_auditors_can_neither_open_nor_send_a_form(auditor, accounts):
    before = commands_recorded()
    for url in [*form_urls(accounts["alice"]), reverse("open_account")]:
        assert auditor.get(url).status_code == 403, url
        response = auditor.post(
            url, {"amount": "5", "request_id": uuid4(), "full_name": "X", "confirm": "on"}
        )
        assert response.status_code == 403, url
    assert commands_recorded() == before


def test_a_superuser_outside_the_tellers_reads_but_cannot_submit(admin_client, accounts):
    """Superusers work in the admin; requests are a teller's, with a teller's name on them."""
    alice = accounts["alice"]
    before = commands_recorded()
    assert admin_client.get(reverse("account_detail", args=[alice.number])).status_code == 200
    assert b"Deposit</a>" not in admin_client.get(reverse("account_detail", args=[alice.number])).content
    url = reverse("deposit", args=[alice.number])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"amount": "5", "request_id": uuid4()}).status_code == 403
    assert commands_recorded() == before


def test_tellers_see_the_actions(teller, accounts):
    page = teller.get(reverse("account_detail", args=[accounts["alice"].number]))
    assert b"Open an account" in page.content and b"Deposit</a>" in page.content


def test_logins_in_neither_group_see_nothing(client, django_user_model, accounts):
    client.force_login(django_user_model.objects.create_user("nobody", password="a long password 1"))
    assert client.get(reverse("account_list")).status_code == 403


def submit(client, url, **data):
    data.setdefault("request_id", str(uuid4()))
    return client.post(url, data)


def test_open_an_account_then_see_it(teller, carry_out):
    response = submit(teller, reverse("open_account"), full_name="Dora Dee", email_address="dora@example.com")
    assert response.status_code == 302
    pending = teller.get(response.url)
    assert b"Pending" in pending.content and b"data-poll=" in pending.content
    assert b">Refresh</a>" in pending.content  # without scripts
    assert b'http-equiv="refresh"' not in pending.content  # it would move the teller's focus
    carry_out()
    done = teller.get(response.url)
    assert b"Done." in done.content and b"data-poll=" not in done.content
    assert b"Refresh</a>" not in done.content
    assert b"<title>Open account: succeeded" in done.content
    account = AccountSummary.objects.get(full_name="Dora Dee")
    assert account.email_address == "dora@example.com"
    listing = teller.get(reverse("account_list"), {"q": "dora"})
    assert account.number.encode() in listing.content
    assert SagaSummary.objects.get(saga_id=account.account_id).submitted_by == "tina"


def test_deposit_withdraw_and_the_statement(teller, accounts, carry_out):
    alice = accounts["alice"]
    assert submit(teller, reverse("deposit", args=[alice.number]), amount="1,250.50").status_code == 302
    assert submit(teller, reverse("withdraw", args=[alice.number]), amount="£50").status_code == 302
    carry_out()
    page = teller.get(reverse("account_detail", args=[alice.number]))
    assert page.context["account"].balance == 1300.50
    assert [e.kind for e in page.context["page"]] == ["withdrawal", "deposit", "deposit"]
    assert "£1,300.50".encode() in page.content


BAD_AMOUNTS = {
    "": "This field is required.",
    "ten": "Enter an amount in pounds and pence",
    "0": "must be more than zero",
    "-5": "must be more than zero",
    "1.001": "at most two decimal places",
    "1000000000.01": "cannot be more than 1,000,000,000.00",
    "NaN": "Enter an amount in pounds and pence",
    "2,50": "Use a point for pence: 2.50.",
    "1.000,50": "Use a point for pence: 1000.50.",
    "1,00": "Use a point for pence: 1.00.",
    "12,34,567": "commas only between groups of three digits",
    "1e3": "Enter an amount in pounds and pence",
    "1E-2": "Enter an amount in pounds and pence",
    "1_000": "Enter an amount in pounds and pence",
    "+5": "without a + sign",
    "１００": "Enter an amount in pounds and pence",
    "٣": "Enter an amount in pounds and pence",
    "1 000": "Enter an amount in pounds and pence",
    "9" * 5000: "Enter an amount in pounds and pence",
}


@pytest.mark.parametrize("form", ["deposit", "withdraw"])
def test_bad_amounts_get_a_message_and_record_nothing(teller, accounts, form):
    url = reverse(form, args=[accounts["alice"].number])
    for amount, message in BAD_AMOUNTS.items():
        before = commands_recorded()
        response = submit(teller, url, amount=amount)
        assert response.status_code == 200, amount
        assert message in " ".join(response.context["form"].errors["amount"]), amount
        assert commands_recorded() == before


def test_transfer_shows_the_owner_before_it_is_confirmed(teller, accounts, carry_out):
    alice, bob = accounts["alice"], accounts["bob"]
    url = reverse("transfer", args=[alice.number])
    request_id = str(uuid4())
    before = commands_recorded()
    confirm = teller.post(url, {"request_id": request_id, "to_account": bob.number, "amount": "30"})
    assert (
        confirm.status_code == 200
        and b"Bob Jones" in confirm.content
        and b"Confirm transfer" in confirm.content
    )
    assert commands_recorded() == before
    done = teller.post(
        url, {"request_id": request_id, "to_account": bob.number, "amount": "30.00", "confirmed": "True"}
    )
    assert done.status_code == 302
    carry_out()
    assert AccountSummary.objects.get(pk=bob.pk).balance == 30
    assert AccountSummary.objects.get(pk=alice.pk).balance == 70


def test_transfer_refusals(teller, accounts):
    alice, bob, carol = accounts["alice"], accounts["bob"], accounts["carol"]
    url = reverse("transfer", args=[alice.number])
    wrong_digit = bob.number[:-1] + str((int(bob.number[-1]) + 1) % 10)
    unknown = account_number(999_999)  # a good check digit, no such account
    cases = {
        wrong_digit: "not an account number",
        unknown: "No account has this number",
        alice.number: "this is the paying account",
        carol.number: "That account is closed",
        "abc": "not an account number",
        bob.number[:-1] + "²": "not an account number",
        "".join(chr(ord(d) + 0xFEE0) for d in bob.number): "not an account number",  # full-width
    }
    before = commands_recorded()
    for number, message in cases.items():
        response = submit(teller, url, to_account=number, amount="5")
        assert message in " ".join(response.context["form"].errors["to_account"]), number
    assert commands_recorded() == before


def test_a_closed_account_refuses_changes_with_a_message(teller, accounts):
    carol = accounts["carol"]
    before = commands_recorded()
    for name, data in {
        "deposit": {"amount": "5"},
        "withdraw": {"amount": "5"},
        "set_overdraft_limit": {"overdraft_limit": "5"},
        "transfer": {"to_account": accounts["bob"].number, "amount": "5"},
        "close_account": {"confirm": "on"},
    }.items():
        response = submit(teller, reverse(name, args=[carol.number]), **data)
        assert "This account is closed" in " ".join(response.context["form"].non_field_errors()), name
    assert commands_recorded() == before
    page = teller.get(reverse("account_detail", args=[carol.number]))
    assert b"Deposit</a>" not in page.content and b"closed" in page.content


def test_overdraft_limit_and_closing(teller, accounts, carry_out):
    bob = accounts["bob"]
    response = submit(teller, reverse("set_overdraft_limit", args=[bob.number]), overdraft_limit="-1")
    assert "cannot be negative" in " ".join(response.context["form"].errors["overdraft_limit"])
    assert (
        submit(teller, reverse("set_overdraft_limit", args=[bob.number]), overdraft_limit="0").status_code
        == 302
    )
    assert (
        submit(teller, reverse("set_overdraft_limit", args=[bob.number]), overdraft_limit="250").status_code
        == 302
    )
    response = submit(teller, reverse("close_account", args=[bob.number]))
    assert "Tick the box" in " ".join(response.context["form"].errors["confirm"])
    assert submit(teller, reverse("close_account", args=[bob.number]), confirm="on").status_code == 302
    carry_out()
    bob = AccountSummary.objects.get(pk=bob.pk)
    assert (bob.overdraft_limit, bob.is_closed) == (250, True)


def test_the_same_form_sent_twice_is_one_request(teller, accounts, carry_out):
    alice = accounts["alice"]
    url = reverse("deposit", args=[alice.number])
    request_id = str(uuid4())
    first = teller.post(url, {"request_id": request_id, "amount": "10"})
    again = teller.post(url, {"request_id": request_id, "amount": "10.00"})
    assert first.url == again.url
    carry_out()
    assert LedgerEntry.objects.filter(account_id=alice.account_id, amount=10).count() == 1
    assert AccountSummary.objects.get(pk=alice.pk).balance == 110

    before = commands_recorded()
    conflict = teller.post(url, {"request_id": request_id, "amount": "99"})
    assert conflict.status_code == 409 and b"already sent" in conflict.content
    assert commands_recorded() == before


def test_failed_requests_show_why(teller, accounts, carry_out):
    bob = accounts["bob"]
    response = submit(teller, reverse("withdraw", args=[bob.number]), amount="5")
    carry_out()
    page = teller.get(response.url)
    assert b"Failed." in page.content and b"not enough money" in page.content
    listing = teller.get(reverse("request_list"), {"mine": "0", "status": "failed"})
    assert b"not enough money" in listing.content
    detail = teller.get(reverse("account_detail", args=[bob.number]))
    assert b"not enough money" in detail.content


def test_lists_search_filter_sort_and_page(teller, accounts):
    listing = teller.get(reverse("account_list"), {"status": "closed"})
    assert [a.full_name for a in listing.context["page"]] == ["Carol Closed"]
    by_balance = teller.get(reverse("account_list"), {"sort": "-balance"})
    assert [a.full_name for a in by_balance.context["page"]][0] == "Alice Smith"
    by_number = teller.get(
        reverse("account_list"), {"q": accounts["bob"].number[:4] + "-" + accounts["bob"].number[4:]}
    )
    assert [a.full_name for a in by_number.context["page"]] == ["Bob Jones"]
    assert teller.get(reverse("account_list"), {"page": "999"}).status_code == 200
    assert teller.get(reverse("account_detail", args=["12345"])).status_code == 404


def test_the_list_of_every_account_is_counted_from_the_totals_row(teller, accounts):
    with CaptureQueriesContext(connection) as queries:
        listing = teller.get(reverse("account_list"))
    assert listing.context["page"].paginator.count == 3
    assert len(listing.context["page"]) == 3
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]  # no scan of every account
    filtered = teller.get(reverse("account_list"), {"status": "open"})
    assert filtered.context["page"].paginator.count == 2  # a filtered list is counted


def test_every_form_carries_csrf_protection(teller, accounts):
    for url in [*form_urls(accounts["alice"]), reverse("open_account")]:
        assert re.search(rb'name="csrfmiddlewaretoken"', teller.get(url).content), url


def test_production_settings_pass_the_deployment_checks():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "bankproject.settings",
        "DJANGO_SECRET_KEY": "x" * 20 + uuid4().hex + uuid4().hex,
        "DJANGO_ALLOWED_HOSTS": "bank.example",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    env.pop("DJANGO_SECRET_KEY")
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0 and "DJANGO_SECRET_KEY" in refused.stderr


OPENING_REFUSALS = {
    "a missing name": ({"full_name": ""}, "full_name", "This field is required."),
    "a blank name": ({"full_name": "   "}, "full_name", "This field is required."),
    "a name too long": ({"full_name": "N" * 201}, "full_name", "at most 200 characters"),
    "a name with a control character": ({"full_name": "Ann\x07"}, "full_name", "Remove the invisible"),
    "an e-mail address too long": (
        {"full_name": "Ann", "email_address": "a" * 64 + "@" + "b" * 190 + ".example.com"},
        "email_address",
        "at most 254 characters",
    ),
    "not an e-mail address": (
        {"full_name": "Ann", "email_address": "ann at example"},
        "email_address",
        "Enter a valid email address.",
    ),
}


@pytest.mark.parametrize(("data", "field", "message"), OPENING_REFUSALS.values(), ids=OPENING_REFUSALS.keys())
def test_opening_refuses_what_could_not_be_recorded(teller, transactional_db, data, field, message):
    before = commands_recorded()
    response = submit(teller, reverse("open_account"), **data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert commands_recorded() == before


def test_closing_needs_a_zero_balance_and_the_form_says_so_first(teller, accounts, carry_out):
    alice = accounts["alice"]  # holds 100.00
    url = reverse("close_account", args=[alice.number])
    assert "This account holds £100.00: pay it out before closing.".encode() in teller.get(url).content
    before = commands_recorded()
    response = submit(teller, url, confirm="on")
    assert response.status_code == 200
    assert "holds £100.00: pay it out" in " ".join(response.context["form"].non_field_errors())
    assert commands_recorded() == before

    bob = accounts["bob"]
    assert (
        submit(teller, reverse("set_overdraft_limit", args=[bob.number]), overdraft_limit="300").status_code
        == 302
    )
    assert submit(teller, reverse("withdraw", args=[bob.number]), amount="250").status_code == 302
    carry_out()
    response = submit(teller, reverse("close_account", args=[bob.number]), confirm="on")
    assert "owes £250.00: it must be paid in" in " ".join(response.context["form"].non_field_errors())

    assert submit(teller, reverse("withdraw", args=[alice.number]), amount="100").status_code == 302
    carry_out()
    assert "The balance is £0.00".encode() in teller.get(url).content
    closing = submit(teller, url, confirm="on")
    assert closing.status_code == 302
    carry_out()
    assert AccountSummary.objects.get(pk=alice.pk).is_closed


def test_a_close_request_that_gets_past_the_form_fails_with_the_reason(teller, accounts, carry_out):
    """The read model can lag: the saga checks the balance itself."""
    from bankproject.system import recorded_commands

    alice = accounts["alice"]
    saga_id = recorded_commands().close_account(alice.account_id)
    carry_out()
    page = teller.get(reverse("request_detail", args=[saga_id]))
    assert "Refused: the account holds £100.00: pay it out before closing." in page.content.decode()
    assert not AccountSummary.objects.get(pk=alice.pk).is_closed


def test_an_unknown_request_reference_is_not_found(teller, accounts):
    response = teller.get(reverse("request_detail", args=[uuid4()]))
    assert response.status_code == 404
    assert b"refresh" not in response.content


def test_a_request_recorded_but_not_yet_carried_out_is_shown_pending(teller, accounts):
    response = submit(teller, reverse("deposit", args=[accounts["alice"].number]), amount="5")
    page = teller.get(response.url)
    assert page.status_code == 200 and b"Pending" in page.content


def test_a_refusal_from_commands_that_the_form_missed_is_shown_not_a_server_error(
    teller, accounts, monkeypatch
):
    from accounts.domain import InvalidDetailsError
    from bankproject.system import recorded_commands

    def refuse(*args, **kwargs):
        raise InvalidDetailsError({"field": "submitted_by", "reason": "longer than 150 characters"})

    monkeypatch.setattr(recorded_commands(), "request", refuse)
    before = commands_recorded()
    response = submit(teller, reverse("deposit", args=[accounts["alice"].number]), amount="5")
    assert response.status_code == 200
    assert "Not recorded: longer than 150 characters." in response.context["form"].non_field_errors()
    assert commands_recorded() == before
