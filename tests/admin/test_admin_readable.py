"""The admin as an auditor reads it: the ledger newest first, event histories in words and numbers."""

import re

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from accounts.models import AccountSummary, LedgerEntry
from sagas.models import SagaSummary
from tests.admin.test_admin import busy_bank, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_ledger_lists_the_newest_entries_first(busy_bank, staff):  # noqa: F811
    page = staff.get(reverse("admin:accounts_ledgerentry_changelist"))
    shown = list(page.context["cl"].result_list)
    assert [e.pk for e in shown] == list(
        LedgerEntry.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)
    )


def test_event_histories_read_as_amounts_account_numbers_reasons_and_dates(busy_bank, staff):  # noqa: F811
    bank, alice, bob = busy_bank
    bobs = AccountSummary.objects.get(account_id=bob)
    page = staff.get(reverse("admin:accounts_accountsummary_change", args=[bobs.pk])).content.decode()
    history = strip_tags(page[page.index('id="event-history"') :])
    for python_repr in ("UUID(", "Decimal(", "Error({", "datetime."):
        assert python_repr not in history
    assert "amount: £30.00" in history
    assert f"Insufficient funds (account id: account {bobs.number})" in history

    failed = SagaSummary.objects.get(kind="withdrawal")
    saga_page = staff.get(reverse("admin:sagas_sagasummary_change", args=[failed.pk])).content.decode()
    saga_history = strip_tags(saga_page[saga_page.index('id="event-history"') :])
    assert bobs.number in saga_history and str(bob) not in saga_history
    assert "£500.00" in saga_history and "UUID(" not in saga_history
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>", saga_page[saga_page.index('id="event-history"') :])
    assert rows == [str(n) for n in range(1, len(rows) + 1)]
