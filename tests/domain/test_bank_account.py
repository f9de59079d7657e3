from decimal import Decimal
from uuid import uuid4

import pytest

from accounts.domain import (
    MAXIMUM_BALANCE,
    AccountClosedError,
    AccountNotFoundError,
    BalanceCeilingError,
    BalanceNotZeroError,
    BankAccount,
    InsufficientFundsError,
    InvalidAmountError,
    SameAccountError,
    TransactionError,
)
from tests.domain.test_amounts import BAD_AMOUNTS

pytestmark = pytest.mark.in_memory


def new_account(balance="0", overdraft_limit="0"):
    account = BankAccount(full_name="Alice Smith", email_address="alice@example.com")
    if Decimal(balance):
        account.credit(Decimal(balance))
    if Decimal(overdraft_limit):
        account.set_overdraft_limit(Decimal(overdraft_limit))
    account.collect_events()
    return account


def test_a_new_account_is_open_with_nothing_in_it():
    account = BankAccount(full_name="Alice Smith", email_address="alice@example.com")
    assert account.full_name == "Alice Smith"
    assert account.email_address == "alice@example.com"
    assert account.balance == Decimal("0.00")
    assert account.overdraft_limit == Decimal("0.00")
    assert account.is_closed is False
    assert BankAccount().full_name == ""


def test_an_account_can_be_opened_with_the_id_its_request_chose():
    account_id = uuid4()
    assert BankAccount(id=account_id).id == account_id


def test_credit_and_debit_append_transactions_with_their_cause():
    account = new_account()
    transaction_id = uuid4()
    account.credit(Decimal("200"), transaction_id)
    account.debit(Decimal("50.5"))
    assert account.balance == Decimal("149.50")
    appended = account.collect_events()
    assert [e.amount for e in appended] == [Decimal("200.00"), Decimal("-50.50")]
    assert [e.transaction_id for e in appended] == [transaction_id, None]


@pytest.mark.parametrize(
    "change",
    [
        lambda a: a.credit(Decimal("1")),
        lambda a: a.debit(Decimal("1")),
        lambda a: a.set_overdraft_limit(Decimal("10")),
        lambda a: a.close(),
    ],
    ids=["credit", "debit", "set overdraft limit", "close again"],
)
def test_a_closed_account_refuses_every_change_and_keeps_its_balance(change):
    account = new_account(balance="30")
    account.close()
    account.collect_events()
    with pytest.raises(AccountClosedError) as raised:
        change(account)
    assert raised.value == AccountClosedError({"account_id": account.id})
    assert account.balance == Decimal("30.00")
    assert account.is_closed
    assert account.collect_events() == []


def test_a_debit_may_reach_the_overdraft_limit_exactly_but_not_beyond():
    account = new_account(balance="100", overdraft_limit="500")
    with pytest.raises(InsufficientFundsError) as raised:
        account.debit(Decimal("600.01"))
    assert raised.value == InsufficientFundsError({"account_id": account.id})
    assert account.balance == Decimal("100.00")
    account.debit(Decimal("600.00"))
    assert account.balance == Decimal("-500.00")
    with pytest.raises(InsufficientFundsError):
        account.debit(Decimal("0.01"))


def test_without_an_overdraft_limit_the_balance_cannot_go_below_zero():
    account = new_account(balance="10")
    with pytest.raises(InsufficientFundsError):
        account.debit(Decimal("10.01"))
    account.debit(Decimal("10"))
    assert account.balance == Decimal("0.00")


def test_a_credit_is_never_refused_for_funds():
    account = new_account(overdraft_limit="100")
    account.debit(Decimal("100"))
    account.credit(Decimal("0.01"))
    assert account.balance == Decimal("-99.99")


def test_a_limit_set_below_the_current_overdraft_stops_debits_but_not_credits():
    account = new_account(overdraft_limit="500")
    account.debit(Decimal("400"))
    account.set_overdraft_limit(Decimal("100"))
    assert account.overdraft_limit == Decimal("100.00")
    with pytest.raises(InsufficientFundsError):
        account.debit(Decimal("0.01"))
    account.credit(Decimal("350"))
    assert account.balance == Decimal("-50.00")
    account.debit(Decimal("50"))
    assert account.balance == Decimal("-100.00")


def test_an_overdraft_limit_may_be_zero_and_not_negative():
    account = new_account(overdraft_limit="500")
    account.set_overdraft_limit(0)
    assert account.overdraft_limit == Decimal("0.00")
    with pytest.raises(InvalidAmountError):
        account.set_overdraft_limit(Decimal("-500"))
    assert account.overdraft_limit == Decimal("0.00")


def test_a_refund_goes_back_even_to_a_closed_account():
    account = new_account(balance="100")
    transaction_id = uuid4()
    account.debit(Decimal("40"), transaction_id)
    account.close()
    account.refund(Decimal("40"), transaction_id)
    assert account.balance == Decimal("100.00")


def test_a_recorded_error_changes_nothing_but_is_kept_as_an_event():
    account = new_account(balance="5")
    account.close()
    account.collect_events()
    error = AccountClosedError({"account_id": account.id})
    transaction_id = uuid4()
    account.record_error(error, transaction_id)
    (recorded,) = account.collect_events()
    assert recorded.error == error
    assert recorded.transaction_id == transaction_id
    assert account.balance == Decimal("5.00")


@pytest.mark.parametrize("value", BAD_AMOUNTS.values(), ids=BAD_AMOUNTS.keys())
@pytest.mark.parametrize("method", ["credit", "debit", "refund"])
def test_a_bad_amount_changes_nothing(method, value):
    account = new_account(balance="100", overdraft_limit="100")
    with pytest.raises(InvalidAmountError):
        getattr(account, method)(value, uuid4())
    assert account.balance == Decimal("100.00")
    assert account.collect_events() == []


def test_errors_are_equal_by_type_and_arguments():
    account_id = uuid4()
    assert AccountClosedError({"account_id": account_id}) == AccountClosedError({"account_id": account_id})
    assert AccountClosedError({"account_id": account_id}) != InsufficientFundsError(
        {"account_id": account_id}
    )
    assert AccountClosedError({"account_id": account_id}) != AccountClosedError({"account_id": uuid4()})
    assert (
        len(
            {AccountNotFoundError({"account_id": account_id})}
            | {AccountNotFoundError({"account_id": account_id})}
        )
        == 1
    )
    for error_class in (
        AccountClosedError,
        InsufficientFundsError,
        AccountNotFoundError,
        InvalidAmountError,
        SameAccountError,
    ):
        assert issubclass(error_class, TransactionError)
    assert issubclass(InvalidAmountError, ValueError)


def test_a_credit_may_fill_an_account_up_to_the_ceiling_and_no_further():
    account = new_account()
    account.append_transaction(MAXIMUM_BALANCE - Decimal("1.00"))  # as if by many deposits
    account.credit(Decimal("1.00"))
    assert account.balance == MAXIMUM_BALANCE
    with pytest.raises(BalanceCeilingError) as raised:
        account.credit(Decimal("0.01"))
    assert raised.value == BalanceCeilingError({"account_id": account.id})
    assert account.balance == MAXIMUM_BALANCE


def test_a_refund_lands_even_above_the_ceiling():
    account = new_account()
    account.append_transaction(MAXIMUM_BALANCE)
    transaction_id = uuid4()
    account.debit(Decimal("10"), transaction_id)
    account.credit(Decimal("10"))
    account.refund(Decimal("10"), transaction_id)
    assert account.balance == MAXIMUM_BALANCE + 10


@pytest.mark.parametrize(
    ("balance", "overdraft"),
    [("30", None), (None, "250")],
    ids=["holds money", "owes money"],
)
def test_a_close_request_needs_a_zero_balance(balance, overdraft):
    account = new_account(balance=balance or "0", overdraft_limit="500")
    if overdraft:
        account.debit(Decimal(overdraft))
    expected = account.balance
    with pytest.raises(BalanceNotZeroError) as raised:
        account.close_if_balance_is_zero(uuid4())
    assert raised.value == BalanceNotZeroError({"account_id": account.id, "balance": expected})
    assert not account.is_closed
    account.append_transaction(-expected)
    account.close_if_balance_is_zero(uuid4())
    assert account.is_closed
    with pytest.raises(AccountClosedError):
        account.close_if_balance_is_zero(uuid4())


def test_the_direct_close_keeps_the_seeds_rule_and_closes_whatever_the_balance():
    account = new_account(balance="30")
    account.close()
    assert account.is_closed and account.balance == Decimal("30.00")
