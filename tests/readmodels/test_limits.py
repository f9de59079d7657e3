"""The largest values the bank accepts fit every read model on every database, and
what would not fit is refused when requested, so the projections never stop."""

from decimal import Decimal

import pytest

from accounts.domain import (
    MAXIMUM_AMOUNT,
    MAXIMUM_BALANCE,
    BalanceCeilingError,
    InvalidDetailsError,
)
from accounts.models import AccountSummary, BankTotals, LedgerEntry
from bankproject.system import make_runner
from sagas.models import SagaSummary
from tests.readmodels.checks import check_read_models, wait_for_read_models
from tests.system.conftest import Bank

pytestmark = pytest.mark.django_db(transaction=True)

# Four-byte characters, so that a column counting bytes rather than characters would overflow.
LONGEST_NAME = "𝔄" * 199 + "z"
LONGEST_EMAIL = "a" * 64 + "@" + ".".join(["b" * 63, "c" * 63, "d" * 58]) + ".uk"
LONGEST_REQUEST_ID = "r" * 100
LONGEST_SUBMITTER = "ş" * 150


@pytest.fixture
def bank():
    with make_runner("single", "django") as runner:
        yield Bank(runner)


def test_the_largest_allowed_values_reach_every_read_model(bank):
    rich = bank.commands.open_account(
        LONGEST_NAME, LONGEST_EMAIL, request_id=LONGEST_REQUEST_ID, submitted_by=LONGEST_SUBMITTER
    )
    assert bank.wait_for(rich).has_succeeded
    deposits = [bank.commands.deposit_funds(rich, MAXIMUM_AMOUNT) for _ in range(100)]
    assert all(bank.wait_for(d).has_succeeded for d in deposits)
    refused = bank.wait_for(bank.commands.deposit_funds(rich, Decimal("0.01")))
    assert refused.errors == [BalanceCeilingError({"account_id": rich})]

    poor = bank.open_account("Overdrawn")
    bank.wait_for(bank.commands.set_overdraft_limit(poor, MAXIMUM_AMOUNT))
    assert bank.wait_for(bank.commands.withdraw_funds(poor, MAXIMUM_AMOUNT)).has_succeeded

    wait_for_read_models()
    row = AccountSummary.objects.get(account_id=rich)
    assert (row.full_name, row.email_address, row.balance) == (LONGEST_NAME, LONGEST_EMAIL, MAXIMUM_BALANCE)
    assert (
        LedgerEntry.objects.filter(account_id=rich).order_by("-version")[0].balance_after == MAXIMUM_BALANCE
    )
    overdrawn = AccountSummary.objects.get(account_id=poor)
    assert (overdrawn.balance, overdrawn.overdraft_limit) == (-MAXIMUM_AMOUNT, MAXIMUM_AMOUNT)
    opening = SagaSummary.objects.get(saga_id=rich)
    assert (opening.request_id, opening.submitted_by) == (LONGEST_REQUEST_ID, LONGEST_SUBMITTER)
    assert BankTotals.objects.get().total_balance == MAXIMUM_BALANCE - MAXIMUM_AMOUNT
    check_read_models(bank.accounts, bank.sagas, [rich, poor], [rich, *deposits])


def test_a_request_the_database_could_not_hold_is_refused_and_the_next_ones_flow(bank):
    alice = bank.open_account("Alice")
    recorded = bank.commands.recorder.max_notification_id()
    for unrecordable in (
        lambda: bank.commands.open_account("Ann", "a" * 200 + "@" + "b" * 57 + ".uk"),  # 262 characters
        lambda: bank.commands.open_account("N" * 201),
        lambda: bank.commands.open_account(None),
        lambda: bank.commands.deposit_funds(alice, 5, request_id="r" * 201),
        lambda: bank.commands.deposit_funds(alice, 5, submitted_by="s" * 151),
        lambda: bank.commands.open_account("Nul\x00"),
    ):
        with pytest.raises(InvalidDetailsError):
            unrecordable()
    assert bank.commands.recorder.max_notification_id() == recorded

    canary = bank.commands.open_account("Canary", "canary@example.com")
    deposit = bank.commands.deposit_funds(canary, Decimal("1.00"))
    assert bank.wait_for(deposit).has_succeeded
    wait_for_read_models()
    assert AccountSummary.objects.get(account_id=canary).balance == Decimal("1.00")
    assert SagaSummary.objects.get(saga_id=deposit).status == SagaSummary.Status.SUCCEEDED
