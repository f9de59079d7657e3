"""The admin: read-only, complete, and honest about the figures it shows."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountSummary, LedgerEntry
from bankproject.system import make_runner
from sagas.models import SagaSummary
from tests.system.conftest import Bank

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def busy_bank():
    with make_runner("single", "django") as runner:
        bank = Bank(runner)
        alice = bank.open_account("Alice Smith", "alice@example.com")
        bob = bank.open_account("Bob Jones")
        bank.wait_for(bank.commands.deposit_funds(alice, D("100.00")))
        bank.wait_for(bank.commands.transfer_funds(alice, bob, D("30.00")))
        bank.wait_for(bank.commands.withdraw_funds(bob, D("500.00")))  # fails: not enough money
        bank.accounts.close_account(bob)  # directly, holding 30.00 (a request would be refused)
        bank.wait_for(bank.commands.transfer_funds(alice, bob, D("5.00")))  # fails: closed
        yield bank, alice, bob


@pytest.fixture
def staff(client, django_user_model):
    user = django_user_model.objects.create_superuser("auditor", "a@example.com", "a long password 1")
    client.force_login(user)
    return client


def changelists():
    return [
        "admin:accounts_accountsummary_changelist",
        "admin:accounts_ledgerentry_changelist",
        "admin:sagas_sagasummary_changelist",
    ]


def test_every_page_renders_for_staff(busy_bank, staff):
    for url in [reverse("admin:index"), reverse("admin:dashboard"), *map(reverse, changelists())]:
        response = staff.get(url)
        assert response.status_code == 200, url
    for query in ["?status=closed", "?status=overdrawn", "?status=open", "?q=Alice", "?q=alice@example.com"]:
        assert staff.get(reverse("admin:accounts_accountsummary_changelist") + query).status_code == 200
    number = AccountSummary.objects.get(full_name="Alice Smith").number
    found = staff.get(reverse("admin:accounts_accountsummary_changelist") + f"?q={number}")
    assert b"Alice Smith" in found.content and b"Bob Jones" not in found.content
    entries = staff.get(reverse("admin:accounts_ledgerentry_changelist") + f"?q={number}")
    assert (
        entries.context["cl"].result_count
        == LedgerEntry.objects.filter(account_id=AccountSummary.objects.get(number=number).account_id).count()
    )
    for query in ["?status__exact=failed", "?kind__exact=transfer"]:
        assert staff.get(reverse("admin:sagas_sagasummary_changelist") + query).status_code == 200
    for model in (AccountSummary, LedgerEntry, SagaSummary):
        for obj in model.objects.all():
            url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
            assert staff.get(url).status_code == 200, url


def test_nothing_projected_can_be_added_changed_or_deleted(busy_bank, staff):
    for model in (AccountSummary, LedgerEntry, SagaSummary):
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        obj = model.objects.first()
        assert staff.get(reverse(f"{prefix}_add")).status_code == 403
        assert staff.post(reverse(f"{prefix}_add"), {}).status_code == 403
        assert staff.post(reverse(f"{prefix}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
        before = model.objects.count()
        response = staff.post(
            reverse(f"{prefix}_changelist"),
            {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"},
        )
        assert response.status_code in (200, 302, 403)
        assert model.objects.count() == before
        page = staff.get(reverse(f"{prefix}_change", args=[obj.pk]))
        assert b'name="_save"' not in page.content
        staff.post(reverse(f"{prefix}_change", args=[obj.pk]), {"balance": "1000000", "status": "succeeded"})
        obj_after = model.objects.get(pk=obj.pk)
        assert [getattr(obj_after, f.name) for f in model._meta.fields] == [
            getattr(obj, f.name) for f in model._meta.fields
        ]


def test_the_event_store_cannot_be_edited_from_any_screen(busy_bank, staff):
    """eventsourcing-django registers its models with add, change and delete; the bank
    takes them off the admin, superusers included."""
    from eventsourcing_django.models import NotificationTrackingRecord, SnapshotRecord, StoredEventRecord

    assert staff.get("/admin/eventsourcing_django/").status_code == 404
    for model in (StoredEventRecord, SnapshotRecord, NotificationTrackingRecord):
        rows = list(model.objects.order_by("pk").values())
        base = f"/admin/eventsourcing_django/{model._meta.model_name}/"
        first = rows[0][model._meta.pk.attname] if rows else 1
        for url, data in [
            (base, {"action": "delete_selected", "_selected_action": [first], "post": "yes"}),
            (f"{base}add/", {"application_name": "Accounts", "topic": "forged", "state": "e30="}),
            (f"{base}{first}/change/", {"topic": "forged"}),
            (f"{base}{first}/delete/", {"post": "yes"}),
        ]:
            assert staff.get(url).status_code == 404, url
            assert staff.post(url, data).status_code == 404, url
        assert list(model.objects.order_by("pk").values()) == rows
    assert StoredEventRecord.objects.exists() and NotificationTrackingRecord.objects.exists()
    index = staff.get(reverse("admin:index")).content
    assert b"Stored event" not in index and b"Notification tracking" not in index


def test_the_dashboard_shows_what_the_read_models_say(busy_bank, staff):
    response = staff.get(reverse("admin:dashboard"))
    context = response.context
    assert context["account_count"] == AccountSummary.objects.count() == 2
    assert context["total_balance"] == AccountSummary.objects.aggregate(t=Sum("balance"))["t"] == D("100.00")
    assert context["pending_count"] == SagaSummary.objects.filter(status="pending").count() == 0
    failed = SagaSummary.objects.filter(status="failed", created_at__gte=timezone.now() - timedelta(hours=24))
    assert [s.pk for s in context["recent_failures"]] == list(
        failed.order_by("-created_at").values_list("pk", flat=True)
    )
    assert len(context["recent_failures"]) == 2
    for saga in failed:
        assert saga.errors.encode() in response.content
    bars = context["chart"]["bars"]
    assert len(bars) == 24
    assert sum(b["total"] for b in bars) == SagaSummary.objects.count()
    assert bars[-1]["total"] == SagaSummary.objects.count() and bars[-1]["failed"] == 2
    assert b'<svg id="hourly-chart"' in response.content
    assert {(f.follower, f.lag) for f in context["followers"]} >= {("Sagas", 0), ("AccountsProjection", 0)}


def test_the_dashboard_reads_as_the_teller_pages_do(busy_bank, staff):
    """Money and moments in the site's one format; the chart's figures also in a table,
    for those who cannot see the chart (or hover over it)."""
    from accounts.templatetags.bank import money, when

    response = staff.get(reverse("admin:dashboard"))
    page = response.content.decode()
    assert f'<td id="total-balance">{money(D("100.00"))}</td>' in page
    for saga in response.context["recent_failures"]:
        assert f"<td>{when(saga.created_at)}</td>" in page
    table = page[page.index('<table id="hourly-figures"') :]
    table = table[: table.index("</table>")]
    last = response.context["chart"]["bars"][-1]
    assert "<caption>" in table and table.count("<tr>") == 25  # a heading row and 24 hours
    assert f"<td>{last['total']}</td><td>{last['failed']}</td>" in table


def test_an_accounts_page_shows_its_event_history(busy_bank, staff):
    bank, alice, bob = busy_bank
    summary = AccountSummary.objects.get(account_id=bob)
    response = staff.get(reverse("admin:accounts_accountsummary_change", args=[summary.pk]))
    history = response.context["event_history"]
    events = list(bank.accounts.repository.event_store.get(bob))
    assert [line.event for line, _ in history] == [type(e).__name__ for e in events]
    assert [line.event for line, _ in history] == [
        "Opened",
        "TransactionAppended",
        "ErrorRecorded",
        "Closed",
        "ErrorRecorded",
    ]
    transfer = SagaSummary.objects.get(kind="transfer", status="succeeded")
    link = reverse("admin:sagas_sagasummary_change", args=[transfer.pk])
    assert link.encode() in response.content
    page = staff.get(link)
    assert [line.event for line, _ in page.context["event_history"]] == [
        "Requested",
        "Started",
        "DebitRequested",
        "CreditRequested",
        "Succeeded",
    ]
    assert len(page.context["money_moved"]) == 2


def test_the_admin_needs_staff(client, django_user_model, busy_bank):
    assert client.get(reverse("admin:dashboard")).status_code == 302
    client.force_login(django_user_model.objects.create_user("teller", password="a long password 1"))
    assert client.get(reverse("admin:dashboard")).status_code == 302


def test_changelists_link_accounts_without_a_query_per_row(busy_bank, staff, django_assert_max_num_queries):
    urls = [reverse("admin:accounts_ledgerentry_changelist"), reverse("admin:sagas_sagasummary_changelist")]
    assert LedgerEntry.objects.count() >= 4 and SagaSummary.objects.count() >= 6
    for url in urls:
        with django_assert_max_num_queries(8):
            response = staff.get(url)
        bob = AccountSummary.objects.get(full_name="Bob Jones")
        assert reverse("admin:accounts_accountsummary_change", args=[bob.pk]).encode() in response.content


def test_the_dashboard_counts_every_failure_of_the_day_not_only_those_it_lists(staff):
    with make_runner("single", "django") as runner:
        bank = Bank(runner)
        alice = bank.open_account("Alice Smith")
        for _ in range(53):
            bank.wait_for(bank.commands.withdraw_funds(alice, D("1.00")))  # each fails: nothing to take
    response = staff.get(reverse("admin:dashboard"))
    assert len(response.context["recent_failures"]) == 50  # the list shows the latest 50
    assert response.context["failed_count"] == 53
    assert b'<td id="failed-count">53</td>' in response.content
    assert b"The latest 50 of 53" in response.content
