"""What the projections write, request by request (single-threaded runner: synchronous)."""

from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, ProgrammingError, Tracking

from accounts.models import AccountSummary, LedgerEntry
from accounts.numbers import account_number, is_valid_account_number
from accounts.projections import AccountsProjection
from bankproject.system import make_runner
from sagas.models import SagaSummary
from tests.system.conftest import Bank

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def runner():
    with make_runner("single", "django") as runner:
        yield runner


@pytest.fixture
def bank(runner):
    return Bank(runner)


def ledger(account_id):
    return [
        (e.kind, e.amount, e.balance_after, e.counterparty_account_id)
        for e in LedgerEntry.objects.filter(account_id=account_id).order_by("version")
    ]


def test_accounts_and_their_ledgers(bank):
    alice = bank.open_account("Alice Smith", "alice@example.com")
    bob = bank.open_account("Bob Jones")
    bank.wait_for(bank.commands.deposit_funds(alice, D("100.00")))
    bank.wait_for(bank.commands.withdraw_funds(alice, D("30.00")))
    bank.wait_for(bank.commands.transfer_funds(alice, bob, D("20.00")))
    bank.wait_for(bank.commands.set_overdraft_limit(bob, D("50.00")))
    bank.accounts.close_account(bob)  # directly, holding 20.00 (a request would be refused)
    bank.wait_for(bank.commands.transfer_funds(alice, bob, D("5.00")))  # refused: refunded

    assert ledger(alice) == [
        ("deposit", D("100.00"), D("100.00"), None),
        ("withdrawal", D("-30.00"), D("70.00"), None),
        ("transfer out", D("-20.00"), D("50.00"), bob),
        ("transfer out", D("-5.00"), D("45.00"), bob),
        ("refund", D("5.00"), D("50.00"), bob),
    ]
    assert ledger(bob) == [("transfer in", D("20.00"), D("20.00"), alice)]
    a = AccountSummary.objects.get(account_id=alice)
    b = AccountSummary.objects.get(account_id=bob)
    assert (a.full_name, a.email_address, a.balance, a.overdraft_limit, a.is_closed) == (
        "Alice Smith",
        "alice@example.com",
        D("50.00"),
        D("0.00"),
        False,
    )
    assert (b.balance, b.overdraft_limit, b.is_closed) == (D("20.00"), D("50.00"), True)
    assert a.number != b.number and is_valid_account_number(a.number)
    assert a.changed_at >= a.opened_at


def test_requests_and_why_they_failed(bank):
    alice = bank.open_account("Alice")
    bob = bank.open_account("Bob")
    bank.wait_for(bank.commands.close_account(bob))
    ok = bank.commands.deposit_funds(alice, D("10.00"), submitted_by="teller1", request_id="r-1")
    poor = bank.commands.withdraw_funds(alice, D("50.00"))
    closed = bank.commands.transfer_funds(alice, bob, D("5.00"))
    nowhere = bank.commands.deposit_funds(uuid4(), D("5.00"))
    for saga_id in (ok, poor, closed, nowhere):
        bank.wait_for(saga_id)

    summaries = {s.saga_id: s for s in SagaSummary.objects.all()}
    assert (summaries[ok].kind, summaries[ok].status, summaries[ok].amount) == (
        "deposit",
        "succeeded",
        D("10.00"),
    )
    assert (summaries[ok].submitted_by, summaries[ok].request_id) == ("teller1", "r-1")
    assert summaries[ok].finished_at >= summaries[ok].created_at
    assert summaries[poor].status == "failed"
    assert "not enough money" in summaries[poor].errors
    assert summaries[closed].to_account_id == bob
    assert "the receiving account is closed" in summaries[closed].errors
    assert "put back" in summaries[closed].errors
    assert "does not exist" in summaries[nowhere].errors
    assert summaries[alice].kind == "open account" and summaries[alice].status == "succeeded"


def test_account_numbers_carry_a_check_digit_that_catches_typos():
    number = account_number(1234)
    assert number == "000012344" and is_valid_account_number(number)
    typo = number[:-3] + "5" + number[-2:]
    swapped = number[:5] + number[6] + number[5] + number[7:]
    assert not is_valid_account_number(typo)
    assert not is_valid_account_number(swapped)
    assert not is_valid_account_number("12ab")


def test_a_projection_records_each_position_once_and_never_events(bank, runner):
    """A projection records its position without eventsourcing's event store
    (ReadModelProjection._record): the tracking guard still holds, and events
    collected by a projection's policy are refused rather than dropped."""
    alice = bank.open_account("Alice Smith")
    projection = runner.get(AccountsProjection)
    accounts_log = projection.recorder.max_tracking_id("Accounts")
    opened = next(iter(bank.accounts.repository.event_store.get(alice)))
    with pytest.raises(IntegrityError):  # a notification already projected
        projection.process_event(opened, Tracking("Accounts", accounts_log))
    assert projection.recorder.max_tracking_id("Accounts") == accounts_log
    assert AccountSummary.objects.filter(account_id=alice).count() == 1

    def collects_an_event(domain_event, processing_event):
        processing_event.collect_events(Aggregate())

    projection.policy = collects_an_event
    with pytest.raises(ProgrammingError, match="records no events"):
        projection.process_event(opened, Tracking("Accounts", accounts_log + 1))
    assert projection.recorder.max_tracking_id("Accounts") == accounts_log
