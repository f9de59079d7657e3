"""Verifications asked for by auditors, run by the worker, shown on the dashboard and exported."""

import csv
import io
import json
import time

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountSummary
from audit.models import LedgerVerification
from audit.verification import run_requested_verifications
from tests.audit.test_as_at import staff_login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bank(commands, carry_out):
    alice = commands.open_account("Alice")
    bob = commands.open_account("Bob")
    commands.deposit_funds(alice, "50.00")
    commands.transfer_funds(alice, bob, "20.00")
    carry_out()
    return alice, bob


def test_an_auditor_asks_and_the_worker_verifies(bank, client, django_user_model):
    staff_login(client, django_user_model, "audrey", "auditors")
    response = client.post(reverse("audit:request_verification"))
    assert response.status_code == 302
    requested = LedgerVerification.objects.get()
    assert (requested.status, requested.requested_by, requested.report) == ("requested", "audrey", None)

    call_command("verifyledger", "--requested")  # what the worker's hook runs

    requested.refresh_from_db()
    assert (requested.status, requested.outcome, requested.discrepancy_count) == ("done", "consistent", 0)
    assert requested.events_checked == requested.report["events_checked"] > 0
    page = client.get(reverse("audit:verification_detail", args=[requested.pk]))
    assert b"books consistent" in page.content and b"None: the books are consistent." in page.content
    assert run_requested_verifications() == []  # each is run once


def test_the_dashboard_shows_the_last_verification_and_asks_for_one(bank, client, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "b@example.com", "a long password 1")
    client.force_login(admin)
    dashboard = reverse("admin:dashboard")
    assert b"Never verified." in client.get(dashboard).content

    response = client.post(reverse("audit:request_verification"), {"next": dashboard})
    assert response.status_code == 302 and response["Location"] == dashboard
    assert b"1 verification waiting for the worker." in client.get(dashboard).content

    AccountSummary.objects.filter(account_id=bank[1]).update(balance=1)
    run_requested_verifications()
    shown = client.get(dashboard).content.decode()
    assert "Last verified" in shown and "discrepancies found (1 discrepancies)" in shown
    assert "waiting for the worker" not in shown


def test_a_foreign_next_address_is_not_followed(bank, client, django_user_model):
    staff_login(client, django_user_model, "audrey", "auditors")
    response = client.post(reverse("audit:request_verification"), {"next": "https://elsewhere.example/"})
    assert response["Location"] == reverse("audit:verification_list")


def test_the_report_exports_as_json_and_csv(bank, client, django_user_model, tmp_path):
    AccountSummary.objects.filter(account_id=bank[0]).update(overdraft_limit=5)
    call_command("verifyledger", "--requested")  # nothing requested: nothing run
    with pytest.raises(CommandError) as failed:
        call_command("verifyledger", "--no-progress")
    assert failed.value.returncode == 1
    verification = LedgerVerification.objects.get()
    staff_login(client, django_user_model, "tina", "tellers")

    as_json = client.get(reverse("audit:verification_json", args=[verification.pk]))
    assert as_json["Content-Type"] == "application/json"
    report = json.loads(as_json.content)
    assert report["consistent"] is False
    [found] = report["discrepancies"]
    assert (found["check"], found["account_id"]) == ("read model", str(bank[0]))
    assert "overdraft limit is 5.00, events say 0.00" in found["detail"]

    as_csv = client.get(reverse("audit:verification_csv", args=[verification.pk]))
    assert as_csv["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode())))
    assert ["outcome", "discrepancies found"] in rows
    assert ["accounts", "2"] in rows
    header = rows.index(["check", "detail", "account", "request", "application", "notification"])
    assert rows[header + 1][:3] == ["read model", found["detail"], str(bank[0])]


def test_verification_pages_are_for_bank_staff_only(bank, client, django_user_model):
    call_command("verifyledger", "--no-progress")
    pk = LedgerVerification.objects.get().pk
    urls = [
        reverse("audit:verification_list"),
        reverse("audit:verification_detail", args=[pk]),
        reverse("audit:verification_json", args=[pk]),
        reverse("audit:verification_csv", args=[pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 302
    assert client.post(reverse("audit:request_verification")).status_code == 302
    staff_login(client, django_user_model, "stranger", None)
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.post(reverse("audit:request_verification")).status_code == 403
    assert client.get(reverse("audit:request_verification")).status_code == 405
    assert LedgerVerification.objects.count() == 1


def test_runsystem_runs_the_requested_verifications(bank, start_worker):
    verification = LedgerVerification.objects.create(requested_at=timezone.now(), requested_by="audrey")
    worker = start_worker()
    deadline = time.monotonic() + 60
    while LedgerVerification.objects.get(pk=verification.pk).status != "done":
        assert time.monotonic() < deadline, worker.logs()
        time.sleep(0.2)
    assert worker.terminate(timeout=10) == 0
    verification.refresh_from_db()
    assert verification.outcome == "consistent", verification.report
