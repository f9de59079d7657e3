"""Money and dates as the bank's staff read them, the same on the teller pages and in the admin."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.templatetags.bank import money, when

MONEY = {
    Decimal("2000008913.38"): "£2,000,008,913.38",
    Decimal("1250"): "£1,250.00",
    Decimal("0.5"): "£0.50",
    Decimal("0"): "£0.00",
    Decimal("-40"): "\u2212£40.00",
    Decimal("-1234567.89"): "\u2212£1,234,567.89",
    None: "",
}


@pytest.mark.in_memory
@pytest.mark.parametrize(("amount", "shown"), MONEY.items(), ids=[str(a) for a in MONEY])
def test_money_has_a_pound_sign_thousands_separators_and_a_minus_for_money_owed(amount, shown):
    assert money(amount) == shown


@pytest.mark.in_memory
def test_dates_are_the_banks_time_in_one_format():
    assert settings.TIME_ZONE == "Europe/London"
    assert when(datetime(2026, 7, 1, 12, 5, tzinfo=UTC)) == "1 Jul 2026, 13:05 BST"
    assert when(datetime(2026, 12, 1, 9, 30, tzinfo=UTC)) == "1 Dec 2026, 09:30 GMT"
    assert when(None) == ""


def test_teller_pages_show_money_and_dates_formatted(teller, accounts):
    alice = accounts["alice"]
    page = teller.get(reverse("account_detail", args=[alice.number])).content.decode()
    assert '<dd id="balance" class="money">£100.00</dd>' in page
    stamp = when(alice.changed_at)
    assert stamp.endswith(("GMT", "BST")) and stamp in page
    listing = teller.get(reverse("account_list")).content.decode()
    assert '<td class="money">£100.00</td>' in listing


def test_the_admin_shows_dates_as_the_teller_pages_do(admin_client, accounts):
    alice = accounts["alice"]
    listing = admin_client.get(reverse("admin:accounts_accountsummary_changelist")).content.decode()
    assert when(alice.changed_at) in listing
