"""Duplicates caught where a teller makes them: the same money movement twice within ten
minutes is confirmed first; a request id reused for other details shows the first request."""

from datetime import timedelta
from uuid import uuid4

from django.urls import reverse

from sagas.models import SagaSummary
from tests.web.conftest import commands_recorded


def send(client, url, **data):
    data.setdefault("request_id", str(uuid4()))
    return client.post(url, data)


def test_the_same_deposit_again_is_confirmed_first_naming_the_earlier_one(teller, accounts, carry_out):
    alice = accounts["alice"]
    url = reverse("deposit", args=[alice.number])
    assert send(teller, url, amount="25").status_code == 302
    carry_out()
    earlier = SagaSummary.objects.get(kind="deposit", amount=25)

    before = commands_recorded()
    warned = send(teller, url, amount="25.00")  # Back, a fresh form, the amount typed again
    assert warned.status_code == 200
    text = warned.content.decode()
    assert "already" in text and "£25.00" in text
    assert reverse("request_detail", args=[earlier.saga_id]) in text
    assert "succeeded" in text.lower() or "done" in text.lower()
    assert commands_recorded() == before  # nothing recorded until the teller confirms

    resent = {k: v for k, v in warned.context["resend"]}
    confirmed = teller.post(url, resent)
    assert confirmed.status_code == 302
    carry_out()
    assert SagaSummary.objects.filter(kind="deposit", amount=25).count() == 2


def test_other_amounts_accounts_and_old_requests_are_not_duplicates(teller, accounts, carry_out):
    alice, bob = accounts["alice"], accounts["bob"]
    assert send(teller, reverse("deposit", args=[alice.number]), amount="25").status_code == 302
    carry_out()
    assert send(teller, reverse("deposit", args=[alice.number]), amount="26").status_code == 302
    assert send(teller, reverse("deposit", args=[bob.number]), amount="25").status_code == 302
    assert send(teller, reverse("withdraw", args=[alice.number]), amount="25").status_code == 302
    carry_out()
    SagaSummary.objects.filter(kind="withdrawal").update(
        created_at=SagaSummary.objects.get(kind="withdrawal").created_at - timedelta(minutes=11)
    )
    assert send(teller, reverse("withdraw", args=[alice.number]), amount="25").status_code == 302


def test_a_confirmed_transfer_repeated_is_confirmed_again(teller, accounts, carry_out):
    alice, bob = accounts["alice"], accounts["bob"]
    url = reverse("transfer", args=[alice.number])
    data = {"to_account": bob.number, "amount": "10", "confirmed": "True"}
    assert send(teller, url, **data).status_code == 302
    carry_out()
    warned = send(teller, url, **data)
    assert warned.status_code == 200 and "already" in warned.content.decode()
    assert send(teller, url, **data, repeat_confirmed="True").status_code == 302


def test_a_request_id_reused_for_other_details_shows_the_first_request(teller, accounts, carry_out):
    alice = accounts["alice"]
    url = reverse("deposit", args=[alice.number])
    request_id = str(uuid4())
    first = teller.post(url, {"request_id": request_id, "amount": "10"})
    carry_out()

    before = commands_recorded()
    reused = teller.post(url, {"request_id": request_id, "amount": "99"})
    assert reused.status_code == 409
    text = reused.content.decode()
    assert "already sent" in text and "£10.00" in text and first.url in text
    assert 'value="99"' not in text and "£99" not in text  # the new details are not filled in again
    assert "form" not in reused.context or reused.context.get("form") is None
    assert commands_recorded() == before
