"""A teller's and an auditor's day in a real browser (Debian's Chromium, driven by Playwright)."""

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group

from accounts.models import AccountSummary
from sagas.models import SagaSummary

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "screenshots"
PASSWORD = "a long password 1"


def user(django_user_model, username, group):
    account = django_user_model.objects.create_user(username, password=PASSWORD)
    account.groups.add(Group.objects.get_or_create(name=group)[0])
    return account


def log_in(browser, live_server, username):
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.set_default_timeout(20000)
    page.goto(live_server.url + "/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r".*/accounts/$"))
    return page


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def wait_until_done(page):
    try:
        page.wait_for_selector("#request-status.succeeded, #request-status.failed", timeout=20000)
    except Exception:
        shot(page, "not-done")
        print(page.url, page.content()[:3000])
        raise
    return page.inner_text("#request-status")


def open_account(page, live_server, name):
    page.goto(live_server.url + "/accounts/open/")
    page.fill("#id_full_name", name)
    page.click("main button[type=submit]")
    assert wait_until_done(page) == "Done."
    return AccountSummary.objects.get(full_name=name).number


def test_a_tellers_day(browser, live_server, worker, django_user_model):
    user(django_user_model, "tina", "tellers")
    page = log_in(browser, live_server, "tina")
    alice = open_account(page, live_server, "Alice Smith")
    bob = open_account(page, live_server, "Bob Jones")

    page.goto(f"{live_server.url}/accounts/{alice}/deposit/")
    page.fill("#id_amount", "200.00")
    shot(page, "deposit-form")
    page.click("main button[type=submit]")
    assert wait_until_done(page) == "Done."

    page.goto(f"{live_server.url}/accounts/{alice}/transfer/")
    page.fill("#id_to_account", bob)
    page.fill("#id_amount", "75.50")
    page.click("main button[type=submit]")
    assert "Bob Jones" in page.inner_text("#confirmation")
    shot(page, "transfer-confirm")
    page.click("text=Confirm transfer")
    assert wait_until_done(page) == "Done."
    shot(page, "request-succeeded")

    page.goto(f"{live_server.url}/accounts/{alice}/")
    assert page.inner_text("#balance") == "£124.50"
    assert "Transfer out to" in page.inner_text("#statement")
    shot(page, "account-statement")
    page.goto(f"{live_server.url}/accounts/{bob}/")
    assert page.inner_text("#balance") == "£75.50"
    assert "Transfer in from" in page.inner_text("#statement")
    page.goto(f"{live_server.url}/accounts/")
    shot(page, "accounts-list")

    # Beyond what the account holds: the request fails and says why.
    page.goto(f"{live_server.url}/accounts/{bob}/transfer/")
    page.fill("#id_to_account", alice)
    page.fill("#id_amount", "1000")
    page.click("main button[type=submit]")
    page.click("text=Confirm transfer")
    assert "not enough money" in wait_until_done(page)
    shot(page, "request-failed")

    # A double click on submit is one request.
    page.goto(f"{live_server.url}/accounts/{bob}/deposit/")
    page.fill("#id_amount", "5.00")
    page.dblclick("main button[type=submit]")
    assert wait_until_done(page) == "Done."
    deposits = SagaSummary.objects.filter(kind="deposit", amount=5)
    assert deposits.count() == 1
    assert AccountSummary.objects.get(number=bob).balance == 80.50
    page.close()


def test_an_auditor_sees_but_cannot_submit(browser, live_server, worker, django_user_model):
    user(django_user_model, "tina", "tellers")
    user(django_user_model, "audrey", "auditors")
    teller = log_in(browser, live_server, "tina")
    number = open_account(teller, live_server, "Carol Jones")
    teller.close()

    page = log_in(browser, live_server, "audrey")
    page.goto(f"{live_server.url}/accounts/{number}/")
    assert "Carol Jones" in page.content()
    assert page.locator("text=Deposit").count() == 0
    assert page.locator("text=Open an account").count() == 0
    page.goto(f"{live_server.url}/accounts/{number}/deposit/")
    assert "Not allowed" in page.inner_text("h1")
    shot(page, "auditor-refused")
    assert not SagaSummary.objects.filter(kind="deposit").exists()
    page.close()
