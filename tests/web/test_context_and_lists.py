"""Context a teller needs on statements and request lists, and lists that search, sort and page."""

import os
from datetime import timedelta
from uuid import uuid4

from django.urls import reverse
from django.utils.html import strip_tags

from accounts.models import AccountSummary
from sagas.models import SagaSummary


def send(client, url, **data):
    data.setdefault("request_id", str(uuid4()))
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    return response.url


def test_a_statement_names_the_other_account_of_a_transfer_and_links_the_request(teller, accounts, carry_out):
    alice, bob = accounts["alice"], accounts["bob"]
    request_url = send(
        teller, reverse("transfer", args=[alice.number]), to_account=bob.number, amount="30", confirmed="True"
    )
    carry_out()
    alices = teller.get(reverse("account_detail", args=[alice.number])).content.decode()
    assert f"to {bob.number} Bob Jones" in strip_tags(alices) and request_url in alices
    assert reverse("account_detail", args=[bob.number]) in alices
    bobs = teller.get(reverse("account_detail", args=[bob.number])).content.decode()
    assert f"from {alice.number} Alice Smith" in strip_tags(bobs) and request_url in bobs


def test_the_requests_list_shows_the_accounts(teller, accounts, carry_out):
    alice, bob = accounts["alice"], accounts["bob"]
    send(
        teller, reverse("transfer", args=[alice.number]), to_account=bob.number, amount="5", confirmed="True"
    )
    carry_out()
    listing = teller.get(reverse("request_list"), {"mine": "0", "kind": "transfer"}).content.decode()
    assert f"{alice.number}" in listing and f"{bob.number}" in listing


def test_an_account_page_lists_recent_failures_dated_and_links_all_its_requests(teller, accounts, carry_out):
    bob = accounts["bob"]
    send(teller, reverse("withdraw", args=[bob.number]), amount="5")
    send(teller, reverse("withdraw", args=[bob.number]), amount="7")
    carry_out()
    old = SagaSummary.objects.get(kind="withdrawal", amount=7)
    SagaSummary.objects.filter(pk=old.pk).update(created_at=old.created_at - timedelta(days=8))
    page = teller.get(reverse("account_detail", args=[bob.number]))
    shown = list(page.context["open_requests"])
    assert [r.amount for r in shown] == [5]
    all_requests = reverse("request_list") + f"?account={bob.number}&amp;mine=0"
    assert all_requests in page.content.decode()
    listing = teller.get(reverse("request_list"), {"account": bob.number, "mine": "0"})
    assert sorted(r.amount for r in listing.context["page"] if r.kind == "withdrawal") == [5, 7]


def test_search_by_the_start_of_an_account_number(teller, accounts):
    bob = accounts["bob"]
    listing = teller.get(reverse("account_list"), {"q": bob.number[:-1]})
    assert [a.full_name for a in listing.context["page"]] == ["Bob Jones"]
    # The numbers' common start (their positions in the Accounts log are near each other).
    shared = os.path.commonprefix([account.number for account in accounts.values()])
    assert len(shared) >= 4
    everyone = teller.get(reverse("account_list"), {"q": shared})
    assert len(everyone.context["page"]) == 3


def test_sorting_both_ways_with_an_indicator(teller, accounts):
    names = lambda response: [a.full_name for a in response.context["page"]]  # noqa: E731
    up = teller.get(reverse("account_list"), {"sort": "name"})
    down = teller.get(reverse("account_list"), {"sort": "-name"})
    assert names(up) == ["Alice Smith", "Bob Jones", "Carol Closed"]
    assert names(down) == list(reversed(names(up)))
    assert 'aria-sort="ascending"' in up.content.decode()
    assert 'aria-sort="descending"' in down.content.decode()
    assert "?q=&amp;status=&amp;sort=-name" in up.content.decode()  # the header turns the order round
    by_status = teller.get(reverse("account_list"), {"sort": "-status"})
    assert names(by_status)[0] == "Carol Closed"


def test_pages_are_labelled_previous_and_next_with_numbers(teller, accounts, carry_out):
    from bankproject.system import recorded_commands

    for n in range(30):
        recorded_commands().open_account(f"Customer {n:02}")
    carry_out()
    assert AccountSummary.objects.count() == 33
    first = teller.get(reverse("account_list")).content.decode()
    assert "Next" in first and "Previous" not in first and 'aria-current="page"' in first
    second = teller.get(reverse("account_list"), {"page": "2"}).content.decode()
    assert "Previous" in second and "page=1" in second
