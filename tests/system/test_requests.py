"""Every kind of request through the system, on every runner and store."""

from decimal import Decimal
from uuid import uuid4

import pytest

from accounts.domain import (
    MAXIMUM_AMOUNT,
    MAXIMUM_BALANCE,
    AccountClosedError,
    AccountNotFoundError,
    BalanceCeilingError,
    BalanceNotZeroError,
    InsufficientFundsError,
    InvalidAmountError,
    InvalidDetailsError,
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
    bank.accounts.close_account(account)  # directly: a close request needs a zero balance
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
    bank.accounts.close_account(debit)  # directly: a close request needs a zero balance
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
    bank.accounts.close_account(account)  # directly: a close request needs a zero balance
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


@pytest.mark.one_runner
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


def test_a_close_request_needs_a_zero_balance(bank):
    account = bank.open_account()
    bank.wait_for(bank.commands.deposit_funds(account, D("30.00")))
    saga = bank.wait_for(bank.commands.close_account(account))
    assert saga.errors == [BalanceNotZeroError({"account_id": account, "balance": D("30.00")})]
    assert not bank.accounts.get_account(account).is_closed

    bank.wait_for(bank.commands.set_overdraft_limit(account, D("500.00")))
    bank.wait_for(bank.commands.withdraw_funds(account, D("280.00")))
    saga = bank.wait_for(bank.commands.close_account(account))
    assert saga.errors == [BalanceNotZeroError({"account_id": account, "balance": D("-250.00")})]

    bank.wait_for(bank.commands.deposit_funds(account, D("250.00")))
    assert bank.wait_for(bank.commands.close_account(account)).has_succeeded
    assert bank.accounts.get_account(account).is_closed
    assert bank.balance(account) == D("0.00")


@pytest.mark.one_runner
def test_a_credit_past_the_balance_ceiling_is_refused_and_a_transfer_refunded(bank):
    rich, payer = bank.open_account(), bank.open_account()
    for _ in range(int(MAXIMUM_BALANCE / MAXIMUM_AMOUNT)):
        bank.commands.deposit_funds(rich, MAXIMUM_AMOUNT)
    assert bank.wait_for(bank.commands.deposit_funds(payer, D("10.00"))).has_succeeded
    full = bank.commands.deposit_funds(rich, MAXIMUM_AMOUNT)  # one more: refused
    assert bank.wait_for(full).errors == [BalanceCeilingError({"account_id": rich})]
    assert bank.balance(rich) == MAXIMUM_BALANCE

    saga = bank.wait_for(bank.commands.transfer_funds(payer, rich, D("0.01")))
    assert saga.errors == [BalanceCeilingError({"account_id": rich})]
    assert bank.balance(payer, rich) == (D("10.00"), MAXIMUM_BALANCE)


NOT_RECORDABLE = {
    "a name too long": lambda c, a: c.open_account("N" * 201),
    "no name": lambda c, a: c.open_account(None),
    "a name with a control character": lambda c, a: c.open_account("Ann\x00"),
    "an e-mail address too long": lambda c, a: c.open_account("Ann", "a" * 250 + "@b.uk"),
    "not an e-mail address": lambda c, a: c.open_account("Ann", "ann at example"),
    "an empty request id": lambda c, a: c.deposit_funds(a, 5, request_id=""),
    "a request id too long": lambda c, a: c.deposit_funds(a, 5, request_id="r" * 101),
    "a submitter too long": lambda c, a: c.withdraw_funds(a, 5, submitted_by="s" * 151),
}


@pytest.mark.one_runner
@pytest.mark.parametrize("request_", NOT_RECORDABLE.values(), ids=NOT_RECORDABLE.keys())
def test_details_that_could_not_be_recorded_are_refused_at_once(bank, request_):
    account = bank.open_account()
    recorded_before = bank.commands.recorder.max_notification_id()
    with pytest.raises(InvalidDetailsError):
        request_(bank.commands, account)
    assert bank.commands.recorder.max_notification_id() == recorded_before


def test_an_account_id_that_is_not_a_uuid_names_no_account(bank):
    account = bank.open_account()
    recorded_before = bank.commands.recorder.max_notification_id()
    for submit in (
        lambda: bank.commands.deposit_funds("not-an-id", 5),
        lambda: bank.commands.withdraw_funds(12, 5),
        lambda: bank.commands.transfer_funds(account, "nope", 5),
        lambda: bank.commands.set_overdraft_limit("", 5),
        lambda: bank.commands.close_account(None),
    ):
        with pytest.raises(AccountNotFoundError):
            submit()
    assert bank.commands.recorder.max_notification_id() == recorded_before
    assert bank.wait_for(bank.commands.deposit_funds(str(account), 5)).has_succeeded


def test_an_empty_request_id_never_joins_two_requests(bank):
    account = bank.open_account()
    first = bank.commands.deposit_funds(account, 5, request_id=None)
    second = bank.commands.deposit_funds(account, 5, request_id=None)
    assert first != second
    with pytest.raises(InvalidDetailsError):
        bank.commands.deposit_funds(account, 6, request_id="")
