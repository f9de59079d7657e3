"""Every kind of request through the system, on every runner and store."""

from decimal import Decimal
from uuid import uuid4

import pytest

from accounts.domain import (
    AccountClosedError,
    AccountNotFoundError,
    InsufficientFundsError,
    InvalidAmountError,
    SameAccountError,
)

D = Decimal


def test_deposit(bank):
    account = bank.open_account()
    saga = bank.wait_for(bank.commands.deposit_funds(account, D("200.00")))
    assert saga.has_succeeded and not saga.has_errored and saga.errors == []
    assert bank.balance(account) == D("200.00")


def test_deposit_to_a_closed_account(bank):
    account = bank.open_account()
    assert bank.wait_for(bank.commands.close_account(account)).has_succeeded
    saga = bank.wait_for(bank.commands.deposit_funds(account, D("200.00")))
    assert saga.has_errored and not saga.has_succeeded
    assert saga.errors == [AccountClosedError({"account_id": account})]
    assert bank.balance(account) == D("0.00")


def test_withdraw(bank):
    account = bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(account, D("200.00")))
    assert bank.wait_for(bank.commands.withdraw_funds(account, D("50.00"))).has_succeeded
    assert bank.balance(account) == D("150.00")


def test_withdraw_more_than_the_balance(bank):
    account = bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(account, D("200.00")))
    saga = bank.wait_for(bank.commands.withdraw_funds(account, D("200.01")))
    assert saga.errors == [InsufficientFundsError({"account_id": account})]
    assert bank.balance(account) == D("200.00")


def test_withdraw_from_a_closed_account(bank):
    account = bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(account, D("200.00")))
    bank.wait_for(bank.commands.close_account(account))
    saga = bank.wait_for(bank.commands.withdraw_funds(account, D("50.00")))
    assert saga.errors == [AccountClosedError({"account_id": account})]
    assert bank.balance(account) == D("200.00")


def test_transfer(bank):
    debit, credit = bank.open_account(), bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(debit, D("200.00")))
    assert bank.wait_for(bank.commands.transfer_funds(debit, credit, D("50.00"))).has_succeeded
    assert bank.balance(debit, credit) == (D("150.00"), D("50.00"))


def test_transfer_more_than_the_balance(bank):
    debit, credit = bank.open_account(), bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(debit, D("200.00")))
    saga = bank.wait_for(bank.commands.transfer_funds(debit, credit, D("1000.00")))
    assert saga.errors == [InsufficientFundsError({"account_id": debit})]
    assert bank.balance(debit, credit) == (D("200.00"), D("0.00"))


def test_transfer_from_a_closed_account(bank):
    debit, credit = bank.open_account(), bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(debit, D("200.00")))
    bank.wait_for(bank.commands.close_account(debit))
    saga = bank.wait_for(bank.commands.transfer_funds(debit, credit, D("50.00")))
    assert saga.errors == [AccountClosedError({"account_id": debit})]
    assert bank.balance(debit, credit) == (D("200.00"), D("0.00"))


def test_transfer_to_a_closed_account_refunds_the_debit(bank):
    debit, credit = bank.open_account(), bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(debit, D("200.00")))
    bank.wait_for(bank.commands.close_account(credit))
    saga_id = bank.commands.transfer_funds(debit, credit, D("50.00"))
    saga = bank.wait_for(saga_id)
    assert saga.has_errored
    assert saga.errors == [AccountClosedError({"account_id": credit})]
    assert bank.balance(debit, credit) == (D("200.00"), D("0.00"))
    # The money left the debit account and came back: both are on its statement.
    moves = [
        e.amount
        for e in bank.accounts.repository.event_store.get(debit)
        if getattr(e, "transaction_id", None) == saga_id and hasattr(e, "amount")
    ]
    assert moves == [D("-50.00"), D("50.00")]


def test_overdraft_limit(bank):
    account = bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(account, D("200.00")))
    assert bank.wait_for(bank.commands.set_overdraft_limit(account, D("500.00"))).has_succeeded
    assert bank.accounts.get_overdraft_limit(account) == D("500.00")
    with pytest.raises(InvalidAmountError):
        bank.commands.set_overdraft_limit(account, D("-500.00"))
    assert bank.accounts.get_overdraft_limit(account) == D("500.00")
    assert bank.wait_for(bank.commands.withdraw_funds(account, D("500.00"))).has_succeeded
    assert bank.balance(account) == D("-300.00")
    saga = bank.wait_for(bank.commands.withdraw_funds(account, D("200.01")))
    assert saga.errors == [InsufficientFundsError({"account_id": account})]
    assert bank.wait_for(bank.commands.withdraw_funds(account, D("200.00"))).has_succeeded
    assert bank.balance(account) == D("-500.00")
    bank.wait_for(bank.commands.close_account(account))
    saga = bank.wait_for(bank.commands.set_overdraft_limit(account, D("100.00")))
    assert saga.errors == [AccountClosedError({"account_id": account})]
    assert bank.accounts.get_overdraft_limit(account) == D("500.00")
    assert bank.balance(account) == D("-500.00")


def test_open_account_gives_the_account_its_request_id(bank):
    account = bank.commands.open_account("Alice Smith", "alice@example.com")
    assert bank.wait_for(account).has_succeeded
    opened = bank.accounts.get_account(account)
    assert (opened.full_name, opened.email_address, opened.balance, opened.is_closed) == (
        "Alice Smith",
        "alice@example.com",
        D("0.00"),
        False,
    )


def test_a_second_close_fails(bank):
    account = bank.open_account()
    assert bank.wait_for(bank.commands.close_account(account)).has_succeeded
    saga = bank.wait_for(bank.commands.close_account(account))
    assert saga.errors == [AccountClosedError({"account_id": account})]


@pytest.mark.parametrize("kind", ["deposit", "withdraw", "set limit", "close"])
def test_a_request_for_an_unknown_account_fails_and_the_next_one_is_processed(bank, kind):
    unknown = uuid4()
    submit = {
        "deposit": lambda: bank.commands.deposit_funds(unknown, D("10.00")),
        "withdraw": lambda: bank.commands.withdraw_funds(unknown, D("10.00")),
        "set limit": lambda: bank.commands.set_overdraft_limit(unknown, D("10.00")),
        "close": lambda: bank.commands.close_account(unknown),
    }[kind]
    saga = bank.wait_for(submit())
    assert saga.errors == [AccountNotFoundError({"account_id": unknown})]
    account = bank.open_account()
    assert bank.wait_for(bank.commands.deposit_funds(account, D("1.00"))).has_succeeded
    assert bank.balance(account) == D("1.00")


def test_a_transfer_from_an_unknown_account_fails_before_any_money_moves(bank):
    unknown, credit = uuid4(), bank.open_account()
    saga = bank.wait_for(bank.commands.transfer_funds(unknown, credit, D("10.00")))
    assert saga.errors == [AccountNotFoundError({"account_id": unknown})]
    assert bank.balance(credit) == D("0.00")


def test_a_transfer_to_an_unknown_account_refunds_the_debit(bank):
    debit, unknown = bank.open_account(), uuid4()
    bank.wait_for(bank.commands.deposit_funds(debit, D("100.00")))
    saga = bank.wait_for(bank.commands.transfer_funds(debit, unknown, D("10.00")))
    assert saga.errors == [AccountNotFoundError({"account_id": unknown})]
    assert bank.balance(debit) == D("100.00")
    assert bank.wait_for(bank.commands.withdraw_funds(debit, D("100.00"))).has_succeeded
    assert bank.balance(debit) == D("0.00")


def test_commands_refuse_at_once_what_they_can_know_alone(bank):
    account = bank.open_account()
    recorded_before = bank.commands.recorder.max_notification_id()
    with pytest.raises(SameAccountError) as raised:
        bank.commands.transfer_funds(account, account, D("1.00"))
    assert raised.value == SameAccountError({"account_id": account})
    for bad in (D("0"), D("-1"), D("0.001"), D("NaN"), D("1000000000.01"), 1.5, "ten"):
        with pytest.raises(InvalidAmountError):
            bank.commands.deposit_funds(account, bad)
        with pytest.raises(InvalidAmountError):
            bank.commands.withdraw_funds(account, bad)
        with pytest.raises(InvalidAmountError):
            bank.commands.transfer_funds(account, uuid4(), bad)
    assert bank.commands.recorder.max_notification_id() == recorded_before


def test_direct_changes_to_accounts_start_no_saga(bank):
    account = bank.accounts.create_account("Walk-in")
    bank.accounts.set_overdraft_limit(account, D("10.00"))
    after_direct = bank.sagas.recorder.max_notification_id()
    other = bank.open_account()
    saga_id = bank.commands.deposit_funds(other, D("5.00"))
    assert bank.wait_for(saga_id).has_succeeded
    saga_events = bank.sagas.recorder.select_notifications(
        start=after_direct, limit=100, inclusive_of_start=False
    )
    assert {n.originator_id for n in saga_events} == {other, saga_id}
    assert bank.accounts.get_overdraft_limit(account) == D("10.00")
