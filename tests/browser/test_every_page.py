"""Every teller page in a real browser: read-only for auditors, a warning before a duplicate,
usable on a phone (390 px) and at 400% zoom (320 px), and free of WCAG 2.x A/AA violations
found by axe-core (shipped by axe-playwright-python; nothing downloaded)."""

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from accounts.models import AccountSummary
from bankproject.system import recorded_commands
from sagas.models import SagaSummary
from tests.browser.test_teller_journeys import log_in, open_account, shot, user, wait_until_done

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
AXE = Axe()
LONG_NAME = "N" * 200  # a name without spaces: it must wrap, not widen the page


def violations(page) -> list[str]:
    results = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA}})
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def assert_accessible(page, name, failures):
    found = violations(page)
    if found:
        shot(page, f"axe-{name}")
        failures.append(f"{name} {page.url}: {found}")


def a_bank(page, live_server):
    """Alice (with money and a long-named neighbour), Bob, one done and one failed transfer."""
    alice = open_account(page, live_server, "Alice Smith")
    bob = open_account(page, live_server, "Bob Jones")
    recorded_commands().open_account(LONG_NAME, "n" * 60 + "@example.com")
    page.goto(f"{live_server.url}/accounts/{alice}/deposit/")
    page.fill("#id_amount", "1234567.89")
    page.click("main button[type=submit]")
    wait_until_done(page)
    for amount in ("75.50", "5000000"):
        page.goto(f"{live_server.url}/accounts/{alice}/transfer/")
        page.fill("#id_to_account", bob)
        page.fill("#id_amount", amount)
        page.click("main button[type=submit]")
        page.click("text=Confirm transfer")
        wait_until_done(page)
    return alice, bob


def teller_pages(live_server, alice, bob):
    """Each page a teller reaches, and what to do on it before it is checked."""
    url = live_server.url
    request = SagaSummary.objects.filter(kind="transfer", status="failed").first()

    def transfer_confirmation(page):
        page.fill("#id_to_account", bob)
        page.fill("#id_amount", "10")
        page.click("main button[type=submit]")
        page.wait_for_selector("#confirmation")

    def form_errors(field, value):
        def act(page):
            if field:
                page.fill(field, value)
            page.click("main button[type=submit]")
            page.wait_for_selector("#error-summary")

        return act

    return {
        "accounts": (f"{url}/accounts/", None),
        "accounts-sorted": (f"{url}/accounts/?q=&status=&sort=-balance", None),
        "account": (f"{url}/accounts/{alice}/", None),
        "requests": (f"{url}/requests/?mine=0", None),
        "request-failed": (f"{url}/requests/{request.saga_id}/", None),
        "open": (f"{url}/accounts/open/", None),
        "open-errors": (f"{url}/accounts/open/", form_errors("#id_email_address", "not an address")),
        "deposit": (f"{url}/accounts/{alice}/deposit/", None),
        "deposit-errors": (f"{url}/accounts/{alice}/deposit/", form_errors("#id_amount", "2,50")),
        "withdraw": (f"{url}/accounts/{alice}/withdraw/", None),
        "transfer": (f"{url}/accounts/{alice}/transfer/", None),
        "transfer-errors": (f"{url}/accounts/{alice}/transfer/", form_errors("#id_to_account", "123")),
        "transfer-confirm": (f"{url}/accounts/{alice}/transfer/", transfer_confirmation),
        "overdraft-limit": (f"{url}/accounts/{alice}/overdraft-limit/", None),
        "close": (f"{url}/accounts/{alice}/close/", None),
        "close-errors": (f"{url}/accounts/{bob}/close/", form_errors(None, None)),
    }


def fits(page, width) -> dict:
    """How far the page scrolls sideways, any table column that is hidden, and any money
    cell not aligned right (so that decimals line up under their heading)."""
    return page.evaluate(
        """() => ({
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            hidden: [...document.querySelectorAll('th, td')]
                .filter(c => getComputedStyle(c).display === 'none').length,
            money_not_right: [...document.querySelectorAll('td.money, th.money')]
                .filter(c => getComputedStyle(c).textAlign !== 'right').length,
        })"""
    )


def test_every_teller_page_fits_a_phone_and_400_percent_zoom_and_passes_axe(
    browser, live_server, worker, django_user_model
):
    user(django_user_model, "tina", "tellers")
    page = log_in(browser, live_server, "tina")
    alice, bob = a_bank(page, live_server)
    long_named = AccountSummary.objects.get(full_name=LONG_NAME).number
    pages = teller_pages(live_server, alice, bob)
    pages["long-name"] = (f"{live_server.url}/accounts/{long_named}/", None)

    failures, accessibility = [], []
    for width in (1100, 390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        for name, (url, act) in pages.items():
            page.goto(url)
            if act:
                act(page)
            layout = fits(page, width)
            if layout["overflow"] > 0 or layout["hidden"] or layout["money_not_right"]:
                failures.append(f"{name} at {width}px: {layout}")
            shot(page, f"{width}-{name}")
            if width != 390:
                assert_accessible(page, f"{width}-{name}", accessibility)
    page.close()
    assert not failures, failures
    assert not accessibility, "\n".join(accessibility)


def test_an_auditors_read_only_day_passes_axe(browser, live_server, worker, django_user_model):
    user(django_user_model, "tina", "tellers")
    user(django_user_model, "audrey", "auditors")
    teller = log_in(browser, live_server, "tina")
    alice, bob = a_bank(teller, live_server)
    teller.close()

    page = log_in(browser, live_server, "audrey")
    accessibility = []
    assert page.locator("text=Open an account").count() == 0
    assert_accessible(page, "auditor-accounts", accessibility)
    page.click(f"text={alice}")
    assert "Alice Smith" in page.inner_text("main")
    assert page.locator("main .actions").count() == 0
    assert_accessible(page, "auditor-account", accessibility)
    page.click("text=All requests for this account")
    assert "Transfer" in page.inner_text("#requests")
    assert_accessible(page, "auditor-requests", accessibility)
    with page.expect_download() as download:
        page.click("text=Download these requests (CSV)")
    assert b"transfer" in open(download.value.path(), "rb").read()
    for form in ("deposit", "transfer", "close"):
        response = page.goto(f"{live_server.url}/accounts/{alice}/{form}/")
        assert response.status == 403 and "Not allowed" in page.inner_text("h1")
    assert_accessible(page, "auditor-refused", accessibility)
    shot(page, "auditor-refused")
    page.close()
    assert not accessibility, "\n".join(accessibility)


def test_the_admin_dashboard_and_login_pass_axe(browser, live_server, worker, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "a long password 1")
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    accessibility = []
    page.goto(live_server.url + "/login/")
    assert_accessible(page, "login", accessibility)
    page.fill("#id_username", "root")
    page.fill("#id_password", "wrong")
    page.click("main button[type=submit]")
    assert_accessible(page, "login-error", accessibility)
    page.fill("#id_password", "a long password 1")
    page.click("main button[type=submit]")
    page.goto(live_server.url + "/admin/dashboard/")
    shot(page, "admin-dashboard")
    bars = page.evaluate(
        """() => [...document.querySelectorAll('#hourly-chart g:first-of-type > rect')]
            .map(r => getComputedStyle(r).fill)"""
    )
    assert bars == ["rgb(47, 111, 159)", "rgb(180, 35, 24)"]  # 5.6:1 and 6.6:1 on white
    page.set_viewport_size({"width": 400, "height": 900})
    chart = page.evaluate(
        "() => [document.getElementById('hourly-chart').getBoundingClientRect().right, window.innerWidth]"
    )
    assert chart[0] <= chart[1]  # the chart shrinks with the window
    page.set_viewport_size({"width": 1100, "height": 900})
    assert_accessible(page, "admin-dashboard", accessibility)
    # The admin follows the reader's dark theme: the chart's labels follow it too.
    page.emulate_media(color_scheme="dark")
    label, text = page.evaluate(
        """() => [getComputedStyle(document.querySelector('#hourly-chart text')).fill,
                  getComputedStyle(document.body).color]"""
    )
    assert label == text and label != "rgb(0, 0, 0)"
    shot(page, "admin-dashboard-dark")
    assert_accessible(page, "admin-dashboard-dark", accessibility)
    page.close()
    assert not accessibility, "\n".join(accessibility)


def test_a_repeated_deposit_is_warned_then_cancelled_or_confirmed(
    browser, live_server, worker, django_user_model
):
    user(django_user_model, "tina", "tellers")
    page = log_in(browser, live_server, "tina")
    alice = open_account(page, live_server, "Alice Smith")
    page.goto(f"{live_server.url}/accounts/{alice}/deposit/")
    page.fill("#id_amount", "25")
    page.click("main button[type=submit]")
    assert wait_until_done(page) == "Done."

    # Back, and the amount typed again into the form.
    page.go_back()
    page.reload()
    page.fill("#id_amount", "25.00")
    page.click("main button[type=submit]")
    warning = page.inner_text("#repeat-warning")
    assert "£25.00" in warning and "succeeded" in warning
    shot(page, "repeat-warning")
    assert violations(page) == []
    page.click("text=No, cancel")
    page.wait_for_url(re.compile(rf".*/accounts/{alice}/$"))
    assert SagaSummary.objects.filter(kind="deposit").count() == 1

    page.goto(f"{live_server.url}/accounts/{alice}/deposit/")
    page.fill("#id_amount", "25")
    page.click("main button[type=submit]")
    page.click("text=Yes, record it again")
    assert wait_until_done(page) == "Done."
    assert SagaSummary.objects.filter(kind="deposit").count() == 2
    assert AccountSummary.objects.get(number=alice).balance == 50
    page.close()


def test_a_deposit_and_a_transfer_by_keyboard_alone(browser, live_server, worker, django_user_model):
    user(django_user_model, "tina", "tellers")
    page = log_in(browser, live_server, "tina")
    alice = open_account(page, live_server, "Alice Smith")
    bob = open_account(page, live_server, "Bob Jones")
    page.goto(f"{live_server.url}/accounts/{alice}/")

    def tab_to(text, limit=40):
        for _ in range(limit):
            page.keyboard.press("Tab")
            focused = page.evaluate(
                """() => { const e = document.activeElement;
                   const style = getComputedStyle(e);
                   return {text: (e.innerText || e.value || '').trim(), id: e.id,
                           outline: style.outlineStyle !== 'none' && style.outlineWidth !== '0px'}; }"""
            )
            if focused["text"] == text or focused["id"] == text:
                assert focused["outline"], f"no visible focus on {text}"
                return
        raise AssertionError(f"Tab never reached {text}")

    tab_to("Deposit")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/deposit/$"))
    tab_to("id_amount")
    page.keyboard.type("40")
    page.keyboard.press("Enter")
    assert wait_until_done(page) == "Done."

    page.goto(f"{live_server.url}/accounts/{alice}/")
    tab_to("Transfer")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/transfer/$"))
    tab_to("id_to_account")
    page.keyboard.type(bob)
    page.keyboard.press("Tab")
    page.keyboard.type("15")
    page.keyboard.press("Enter")
    page.wait_for_selector("#confirmation")
    tab_to("Confirm transfer")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/requests/.*"))
    # The status changes in place; focus stays where it was (on the page, not thrown to the top).
    page.keyboard.press("Tab")
    focused_before = page.evaluate("() => document.activeElement.outerHTML")
    assert wait_until_done(page) == "Done."
    assert page.evaluate("() => document.activeElement.outerHTML") == focused_before
    assert page.title().startswith("Transfer £15.00: succeeded")
    assert AccountSummary.objects.get(number=bob).balance == 15
    page.close()


def test_the_error_summary_takes_focus_and_errors_describe_their_fields(
    browser, live_server, worker, django_user_model
):
    user(django_user_model, "tina", "tellers")
    page = log_in(browser, live_server, "tina")
    alice = open_account(page, live_server, "Alice Smith")
    page.goto(f"{live_server.url}/accounts/{alice}/deposit/")
    page.fill("#id_amount", "2,50")
    page.click("main button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    assert page.title().startswith("Error:")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "id_amount"
    snapshot = page.locator("#id_amount").aria_snapshot()
    described = page.evaluate(
        """() => document.getElementById(
            document.getElementById('id_amount').getAttribute('aria-describedby')).textContent"""
    )
    assert described == "Use a point for pence: 2.50."
    assert "Amount" in snapshot, json.dumps(snapshot)
    page.close()


def test_a_request_page_still_pending_passes_axe_and_offers_a_refresh(
    browser, live_server, django_user_model
):
    """No worker runs here: the request stays recorded and pending."""
    from uuid import uuid4

    user(django_user_model, "tina", "tellers")
    page = log_in(browser, live_server, "tina")
    saga_id = recorded_commands().deposit_funds(uuid4(), "5.00")
    page.goto(f"{live_server.url}/requests/{saga_id}/")
    status = page.locator("#request-status")
    assert status.get_attribute("role") == "status" and status.inner_text().startswith("Pending")
    assert page.locator("text=Refresh").count() == 1
    assert page.title() == "Request recorded: pending · Bank"
    shot(page, "request-pending")
    assert violations(page) == []
    page.close()
