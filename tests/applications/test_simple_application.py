"""The simple application, in memory and on the database of each pass."""

from decimal import Decimal
from uuid import uuid4

import pytest

from accounts.application import ACCOUNT_SNAPSHOT_INTERVAL, SimpleBankAccountApplication
from accounts.domain import (
    AccountClosedError,
    AccountNotFoundError,
    InsufficientFundsError,
    InvalidAmountError,
    SameAccountError,
)
from bankproject.system import persistence_env
from tests.domain.test_amounts import BAD_AMOUNTS


@pytest.fixture
def app(persistence):
    return SimpleBankAccountApplication(env=persistence_env(persistence))


def balances(app, *account_ids):
    return tuple(app.get_balance(account_id) for account_id in account_ids)


def test_a_day_at_the_bank(app):
    a1 = app.create_account("Alice Smith", "alice@example.com")
    assert app.get_balance(a1) == Decimal("0.00")

    app.deposit_funds(a1, Decimal("200.00"))
    assert app.get_balance(a1) == Decimal("200.00")

    app.withdraw_funds(a1, Decimal("50.00"))
    assert app.get_balance(a1) == Decimal("150.00")

    with pytest.raises(InsufficientFundsError) as raised:
        app.withdraw_funds(a1, Decimal("151.00"))
    assert raised.value == InsufficientFundsError({"account_id": a1})
    assert app.get_balance(a1) == Decimal("150.00")

    a2 = app.create_account("Bob Jones", "bob@example.com")
    app.transfer_funds(a1, a2, Decimal("100.00"))
    assert balances(app, a1, a2) == (Decimal("50.00"), Decimal("100.00"))

    with pytest.raises(InsufficientFundsError):
        app.transfer_funds(a1, a2, Decimal("1000.00"))
    assert balances(app, a1, a2) == (Decimal("50.00"), Decimal("100.00"))

    app.close_account(a1)
    closed = AccountClosedError({"account_id": a1})
    for refused in (
        lambda: app.transfer_funds(a1, a2, Decimal("10.00")),
        lambda: app.transfer_funds(a2, a1, Decimal("10.00")),
        lambda: app.withdraw_funds(a1, Decimal("10.00")),
        lambda: app.deposit_funds(a1, Decimal("10.00")),
    ):
        with pytest.raises(AccountClosedError) as raised:
            refused()
        assert raised.value == closed
        assert balances(app, a1, a2) == (Decimal("50.00"), Decimal("100.00"))

    assert app.get_overdraft_limit(a2) == Decimal("0.00")
    app.set_overdraft_limit(a2, Decimal("500.00"))
    assert app.get_overdraft_limit(a2) == Decimal("500.00")
    with pytest.raises(InvalidAmountError):
        app.set_overdraft_limit(a2, Decimal("-500.00"))
    assert app.get_overdraft_limit(a2) == Decimal("500.00")

    app.withdraw_funds(a2, Decimal("500.00"))
    assert app.get_balance(a2) == Decimal("-400.00")
    with pytest.raises(InsufficientFundsError):
        app.withdraw_funds(a2, Decimal("101.00"))
    assert app.get_balance(a2) == Decimal("-400.00")
    app.withdraw_funds(a2, Decimal("100.00"))
    assert app.get_balance(a2) == Decimal("-500.00")

    with pytest.raises(AccountClosedError):
        app.set_overdraft_limit(a1, Decimal("500.00"))
    assert app.get_overdraft_limit(a1) == Decimal("0.00")

    account = app.get_account(a1)
    assert (account.full_name, account.email_address, account.is_closed) == (
        "Alice Smith",
        "alice@example.com",
        True,
    )


def test_a_second_close_is_refused(app):
    account_id = app.create_account()
    app.close_account(account_id)
    with pytest.raises(AccountClosedError):
        app.close_account(account_id)


def test_a_transfer_to_the_same_account_is_refused(app):
    account_id = app.create_account()
    app.deposit_funds(account_id, 10)
    with pytest.raises(SameAccountError) as raised:
        app.transfer_funds(account_id, account_id, 5)
    assert raised.value == SameAccountError({"account_id": account_id})
    assert app.get_balance(account_id) == Decimal("10.00")


def test_unknown_accounts_are_reported_as_not_found(app):
    known = app.create_account()
    app.deposit_funds(known, 10)
    unknown = uuid4()
    not_found = AccountNotFoundError({"account_id": unknown})
    for refused in (
        lambda: app.get_balance(unknown),
        lambda: app.deposit_funds(unknown, 1),
        lambda: app.withdraw_funds(unknown, 1),
        lambda: app.transfer_funds(known, unknown, 1),
        lambda: app.transfer_funds(unknown, known, 1),
        lambda: app.set_overdraft_limit(unknown, 1),
        lambda: app.close_account(unknown),
    ):
        with pytest.raises(AccountNotFoundError) as raised:
            refused()
        assert raised.value == not_found
    assert app.get_balance(known) == Decimal("10.00")


def test_a_transfer_whose_credit_fails_stores_nothing(app):
    debit_id = app.create_account()
    credit_id = app.create_account()
    app.deposit_funds(debit_id, 100)
    app.close_account(credit_id)
    events_before = app.recorder.max_notification_id()
    with pytest.raises(AccountClosedError):
        app.transfer_funds(debit_id, credit_id, 60)
    assert app.recorder.max_notification_id() == events_before
    assert balances(app, debit_id, credit_id) == (Decimal("100.00"), Decimal("0.00"))


def test_a_transfer_is_saved_in_one_atomic_recording(app):
    debit_id = app.create_account()
    credit_id = app.create_account()
    app.deposit_funds(debit_id, 100)
    app.transfer_funds(debit_id, credit_id, 60)
    last_two = app.recorder.select_notifications(start=None, limit=100)[-2:]
    assert {n.originator_id for n in last_two} == {debit_id, credit_id}


@pytest.mark.parametrize("value", BAD_AMOUNTS.values(), ids=BAD_AMOUNTS.keys())
def test_a_bad_amount_stores_nothing(app, value):
    a1 = app.create_account()
    a2 = app.create_account()
    app.deposit_funds(a1, 100)
    events_before = app.recorder.max_notification_id()
    for refused in (
        lambda: app.deposit_funds(a1, value),
        lambda: app.withdraw_funds(a1, value),
        lambda: app.transfer_funds(a1, a2, value),
    ):
        with pytest.raises(InvalidAmountError):
            refused()
    assert app.recorder.max_notification_id() == events_before
    assert balances(app, a1, a2) == (Decimal("100.00"), Decimal("0.00"))


def test_a_stored_error_reads_back_equal(app):
    account_id = app.create_account()
    app.close_account(account_id)
    account = app.get_account(account_id)
    errors = [
        AccountClosedError({"account_id": account_id}),
        InsufficientFundsError({"account_id": account_id}),
        AccountNotFoundError({"account_id": uuid4()}),
        SameAccountError({"account_id": account_id}),
        InvalidAmountError({"amount": "0.001", "reason": "more than two decimal places"}),
    ]
    transaction_ids = [uuid4() for _ in errors]
    for error, transaction_id in zip(errors, transaction_ids, strict=True):
        account.record_error(error, transaction_id)
    app.save(account)

    # The event store decodes what the recorder returns: no object survives from before.
    recorded = [e for e in app.repository.event_store.get(account_id) if hasattr(e, "error")]
    assert [e.error for e in recorded] == errors
    assert [type(e.error) for e in recorded] == [type(e) for e in errors]
    assert [e.transaction_id for e in recorded] == transaction_ids
    stored_id = recorded[0].error.args[0]["account_id"]
    assert type(stored_id) is type(account_id)


def test_a_long_history_loads_through_a_snapshot(app, monkeypatch):
    account_id = app.create_account()
    transactions = 20 * ACCOUNT_SNAPSHOT_INTERVAL + 7
    account = app.get_account(account_id)
    for _ in range(transactions):
        # Saved one by one, as tellers' deposits are, so that snapshots are taken.
        account.credit(Decimal("1.00"))
        app.save(account)

    (snapshot,) = app.snapshots.get(account_id, desc=True, limit=1)
    assert snapshot.originator_version > transactions - ACCOUNT_SNAPSHOT_INTERVAL
    replayed_after_snapshot = list(app.repository.event_store.get(account_id, gt=snapshot.originator_version))
    assert len(replayed_after_snapshot) < ACCOUNT_SNAPSHOT_INTERVAL

    events_read = []
    select_events = app.recorder.select_events

    def counting_select_events(*args, **kwargs):
        events = select_events(*args, **kwargs)
        events_read.extend(events)
        return events

    monkeypatch.setattr(app.recorder, "select_events", counting_select_events)
    loaded = app.get_account(account_id)
    assert loaded.balance == Decimal(transactions)
    assert loaded.version == account.version
    assert 0 < len(events_read) < ACCOUNT_SNAPSHOT_INTERVAL
