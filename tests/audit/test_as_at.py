"""An account as it stood at any moment, from the event store, agrees with its statement."""

import csv
import io
import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountSummary, LedgerEntry
from accounts.templatetags.bank import money
from audit.selectors import account_as_at
from tests.system.workload import submit_random_requests

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def history(commands, carry_out):
    """A random history over three accounts, and a fourth emptied and closed."""
    account_ids = [commands.open_account(f"Customer {n}") for n in range(3)]
    carry_out()
    submit_random_requests(commands, account_ids, 120, seed=7)
    carry_out()
    dora = commands.open_account("Dora Closed")
    carry_out()
    commands.deposit_funds(dora, "10.00")
    carry_out()
    commands.withdraw_funds(dora, "10.00")
    carry_out()
    commands.close_account(dora)
    carry_out()
    commands.transfer_funds(account_ids[0], dora, "1.00")  # refused, and refunded
    carry_out()
    return {"accounts": account_ids, "dora": dora}


def test_as_at_every_statement_line_equals_its_running_balance(history):
    checked = 0
    for account in AccountSummary.objects.all():
        for entry in LedgerEntry.objects.filter(account_id=account.account_id).order_by("version"):
            then = account_as_at(account.account_id, entry.created_at)
            assert then.balance == entry.balance_after, f"{account.number} v{entry.version}"
            assert (then.lines[0].version, then.lines[0].balance_after) == (
                entry.version,
                entry.balance_after,
            )
            assert then.status == "open" or entry.version < then.version
            checked += 1
        everything = account_as_at(account.account_id, timezone.now(), lines=None)
        assert [
            (line.version, line.balance_after, line.amount) for line in reversed(everything.lines)
        ] == list(
            LedgerEntry.objects.filter(account_id=account.account_id)
            .order_by("version")
            .values_list("version", "balance_after", "amount")
        )
        assert (everything.balance, everything.overdraft_limit, everything.is_closed) == (
            account.balance,
            account.overdraft_limit,
            account.is_closed,
        )
    assert checked == LedgerEntry.objects.count() > 50


def test_before_opening_and_after_closing(history):
    dora = AccountSummary.objects.get(account_id=history["dora"])
    before = account_as_at(dora.account_id, dora.opened_at - timedelta(microseconds=1))
    assert (before.status, before.is_opened, before.lines) == ("not yet opened", False, [])
    opened = account_as_at(dora.account_id, dora.opened_at)
    assert (opened.status, opened.balance, opened.lines) == ("open", D("0.00"), [])
    after = account_as_at(dora.account_id, timezone.now())
    assert (after.status, after.balance) == ("closed", D("0.00"))
    assert [line.kind for line in after.lines] == ["withdrawal", "deposit"]
    payer = LedgerEntry.objects.filter(account_id=history["accounts"][0]).latest("version")
    assert payer.kind == "refund"
    assert account_as_at(payer.account_id, payer.created_at).lines[0].kind == "refund"


def staff_login(client, django_user_model, name, group):
    user = django_user_model.objects.create_user(name, password="a long password 1")
    if group:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    client.force_login(user)
    return client


@pytest.mark.parametrize("group", ["tellers", "auditors"])
def test_the_page_shows_the_account_then_from_each_statement_line(history, client, django_user_model, group):
    staff_login(client, django_user_model, "reader", group)
    account = AccountSummary.objects.get(account_id=history["accounts"][1])
    detail = client.get(reverse("account_detail", args=[account.number]))
    as_at_url = reverse("audit:account_as_at", args=[account.number])
    assert f'action="{as_at_url}"'.encode() in detail.content
    entries = list(LedgerEntry.objects.filter(account_id=account.account_id).order_by("-version")[:25])
    for entry in random.Random(3).sample(entries, 5):
        link = f"{as_at_url}?at={entry.created_at.isoformat().replace(':', '%3A').replace('+', '%2B')}"
        assert link.encode() in detail.content
        page = client.get(link)
        assert page.status_code == 200
        assert page.context["as_at"].balance == entry.balance_after
        negative = " negative" if entry.balance_after < 0 else ""
        shown = f'id="balance-as-at" class="money{negative}">{money(entry.balance_after)}<'
        assert shown.encode() in page.content


def test_a_moment_typed_by_hand_and_a_bad_one(history, client, django_user_model):
    staff_login(client, django_user_model, "audrey", "auditors")
    dora = AccountSummary.objects.get(account_id=history["dora"])
    url = reverse("audit:account_as_at", args=[dora.number])
    typed = client.get(url, {"at": (dora.opened_at - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")})
    assert typed.status_code == 200 and b'id="status-as-at">not yet opened<' in typed.content
    bad = client.get(url, {"at": "yesterday-ish"})
    assert bad.status_code == 200 and bad.context["as_at"] is None
    assert b'role="alert">Enter a valid date/time.' in bad.content
    now = client.get(url)
    assert now.context["as_at"].status == "closed"


def test_history_export_as_at_a_date(history, client, django_user_model):
    staff_login(client, django_user_model, "audrey", "auditors")
    account = AccountSummary.objects.get(account_id=history["accounts"][2])
    entries = list(LedgerEntry.objects.filter(account_id=account.account_id).order_by("version"))
    middle = entries[len(entries) // 2]
    response = client.get(
        reverse("audit:account_history_csv", args=[account.number]), {"at": middle.created_at.isoformat()}
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["account", account.number]
    assert rows[2] == ["status", "open"]
    assert rows[3] == ["balance", str(middle.balance_after)]
    header = rows.index(["version", "recorded at", "what", "amount", "balance", "request"])
    lines = rows[header + 1 :]
    assert [(int(r[0]), r[2], D(r[3]), D(r[4])) for r in lines] == [
        (e.version, e.kind, e.amount, e.balance_after) for e in entries[: len(entries) // 2 + 1]
    ]


def test_as_at_pages_are_for_bank_staff_only(history, client, django_user_model):
    number = AccountSummary.objects.first().number
    urls = [
        reverse("audit:account_as_at", args=[number]),
        reverse("audit:account_history_csv", args=[number]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302  # to log in
    staff_login(client, django_user_model, "stranger", None)
    for url in urls:
        assert client.get(url).status_code == 403
