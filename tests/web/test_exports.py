"""CSV exports of a statement (a date range) and of the requests list (its filters), for tellers
and auditors."""

import csv
import io
from datetime import timedelta
from uuid import uuid4

from django.urls import reverse
from django.utils import timezone

from accounts.models import LedgerEntry
from bankproject.system import recorded_commands


def rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_a_statement_exports_the_days_asked_for(auditor, accounts, carry_out):
    alice, bob = accounts["alice"], accounts["bob"]
    recorded_commands().transfer_funds(alice.account_id, bob.account_id, "30")
    carry_out()
    old = LedgerEntry.objects.filter(account_id=alice.account_id, kind="deposit").get()
    LedgerEntry.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=40))

    url = reverse("statement_csv", args=[alice.number])
    everything = rows(auditor.get(url))
    assert everything[0] == [
        "date",
        "kind",
        "other account",
        "other account's owner",
        "amount",
        "balance",
        "request",
    ]
    assert [r[1] for r in everything[1:]] == ["transfer out", "deposit"]
    transfer = everything[1]
    assert transfer[2:6] == [bob.number, "Bob Jones", "-30.00", "70.00"]

    today = timezone.localdate().isoformat()
    recent = rows(
        auditor.get(url, {"from": (timezone.localdate() - timedelta(days=7)).isoformat(), "to": today})
    )
    assert [r[1] for r in recent[1:]] == ["transfer out"]
    assert auditor.get(url, {"from": "yesterday"}).status_code == 400


def test_the_requests_list_exports_with_its_filters(teller, accounts, carry_out):
    bob = accounts["bob"]
    teller.post(reverse("withdraw", args=[bob.number]), {"amount": "5", "request_id": str(uuid4())})
    carry_out()
    exported = rows(teller.get(reverse("request_list_csv"), {"mine": "0", "status": "failed"}))
    assert exported[0][:4] == ["date", "kind", "account", "account's owner"]
    assert len(exported) == 2
    assert exported[1][1] == "withdrawal" and bob.number in exported[1] and "failed" in exported[1]
    assert any("not enough money" in cell for cell in exported[1])
    page = teller.get(reverse("request_list"), {"mine": "0", "status": "failed"}).content.decode()
    assert reverse("request_list_csv") + "?mine=0&amp;status=failed" in page


def test_cells_that_a_spreadsheet_would_run_are_written_as_text(teller, carry_out):
    recorded_commands().open_account("=HYPERLINK(1)")
    carry_out()
    exported = rows(teller.get(reverse("request_list_csv"), {"mine": "0"}))
    assert "'=HYPERLINK(1)" in exported[1]


def test_exports_are_for_tellers_and_auditors_only(client, django_user_model, accounts):
    urls = [reverse("statement_csv", args=[accounts["alice"].number]), reverse("request_list_csv")]
    for url in urls:
        assert client.get(url).url.startswith("/login/")
    client.force_login(django_user_model.objects.create_user("nobody", password="a long password 1"))
    for url in urls:
        assert client.get(url).status_code == 403
