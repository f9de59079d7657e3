"""What the pages tell assistive technology: errors tied to their fields, a summary first, titles
that name the page, a status that updates in place, and a transfer that can be changed."""

import json
import re
from uuid import uuid4

from django.urls import reverse

from tests.web.conftest import commands_recorded


def test_a_form_with_errors_has_a_summary_and_each_error_describes_its_field(teller, accounts):
    url = reverse("deposit", args=[accounts["alice"].number])
    page = teller.post(url, {"amount": "2,50", "request_id": str(uuid4())}).content.decode()
    assert re.search(r"<title>Error: Deposit, account \d+ · Bank</title>", page)
    summary = page[page.index('id="error-summary"') :]
    assert 'role="alert"' in page and '<a href="#id_amount">' in summary
    described_by = re.search(r'<input[^>]*id="id_amount"[^>]*>', page).group(0)
    assert 'aria-describedby="id_amount_error"' in described_by and 'aria-invalid="true"' in described_by
    assert '<span class="error" id="id_amount_error">Use a point for pence: 2.50.</span>' in page


def test_titles_name_the_account_and_the_request(teller, accounts, carry_out):
    alice = accounts["alice"]
    detail = teller.get(reverse("account_detail", args=[alice.number])).content.decode()
    assert f"<title>Account {alice.number}, Alice Smith · Bank</title>" in detail
    response = teller.post(
        reverse("deposit", args=[alice.number]), {"amount": "5", "request_id": str(uuid4())}
    )
    assert "<title>Request recorded: pending · Bank</title>" in teller.get(response.url).content.decode()
    carry_out()
    assert "<title>Deposit £5.00: succeeded · Bank</title>" in teller.get(response.url).content.decode()


def test_the_request_status_is_polled_as_json_until_final(teller, accounts, carry_out):
    response = teller.post(
        reverse("deposit", args=[accounts["alice"].number]), {"amount": "5", "request_id": str(uuid4())}
    )
    saga_id = response.url.strip("/").split("/")[-1]
    status_url = reverse("request_status", args=[saga_id])
    assert status_url in teller.get(response.url).content.decode()
    pending = json.loads(teller.get(status_url).content)
    assert pending["status"] == "pending" and not pending["final"] and pending["text"].startswith("Pending")
    carry_out()
    done = json.loads(teller.get(status_url).content)
    assert done == {
        "status": "succeeded",
        "final": True,
        "text": "Done.",
        "title": "Deposit £5.00: succeeded · Bank",
    }
    assert teller.get(reverse("request_status", args=[uuid4()])).status_code == 404


def test_change_on_the_transfer_confirmation_returns_the_filled_form(teller, accounts):
    alice, bob = accounts["alice"], accounts["bob"]
    url = reverse("transfer", args=[alice.number])
    request_id = str(uuid4())
    before = commands_recorded()
    changed = teller.post(
        url,
        {
            "request_id": request_id,
            "to_account": bob.number,
            "amount": "12.50",
            "confirmed": "True",
            "change": "1",
        },
    ).content.decode()
    assert (
        f'value="{bob.number}"' in changed
        and 'value="12.50"' in changed
        and f'value="{request_id}"' in changed
    )
    assert "Confirm transfer" not in changed
    assert commands_recorded() == before


def test_every_page_is_british_english_with_a_skip_link_and_labelled_navigation(teller, accounts):
    page = teller.get(reverse("account_list")).content.decode()
    assert '<html lang="en-GB">' in page
    assert '<a class="skip-link" href="#main">' in page and '<main id="main"' in page
    assert '<nav aria-label="Main">' in page
    assert '<label for="search-q">' in page and '<label for="search-status">' in page
