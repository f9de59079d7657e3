from decimal import Decimal
from uuid import uuid4

import pytest

from accounts.domain import AccountClosedError, InsufficientFundsError
from sagas.domain import (
    DepositFunds,
    RequestConflictError,
    TransferFunds,
    TransferFundsSaga,
)
from sagas.requestids import command_id_for

pytestmark = pytest.mark.in_memory

D = Decimal


def new_transfer():
    debit, credit = uuid4(), uuid4()
    command = TransferFunds(
        id=uuid4(),
        debit_account_id=debit,
        credit_account_id=credit,
        amount=D("10.00"),
        request_id=None,
        submitted_by="",
    )
    saga = command.start_saga()
    assert isinstance(saga, TransferFundsSaga) and saga.id == command.id
    return saga, debit, credit


def names(saga):
    return [type(e).__name__ for e in saga.collect_events()]


def test_a_transfer_debits_then_credits():
    saga, debit, credit = new_transfer()
    assert names(saga) == ["Started", "DebitRequested"]
    saga.record_answer(debit, None)
    assert names(saga) == ["CreditRequested"]
    saga.record_answer(credit, None)
    assert names(saga) == ["Succeeded"]
    assert saga.has_succeeded and not saga.has_errored and saga.errors == []


def test_a_failed_debit_ends_the_transfer():
    saga, debit, credit = new_transfer()
    saga.collect_events()
    error = InsufficientFundsError({"account_id": debit})
    saga.record_answer(debit, error)
    assert names(saga) == ["Failed"]
    assert saga.errors == [error]


def test_a_failed_credit_refunds_the_debit_and_ends_with_the_credits_error():
    saga, debit, credit = new_transfer()
    saga.record_answer(debit, None)
    saga.collect_events()
    error = AccountClosedError({"account_id": credit})
    saga.record_answer(credit, error)
    (refund,) = saga.collect_events()
    assert (type(refund).__name__, refund.account_id, refund.amount) == ("RefundRequested", debit, D("10.00"))
    assert not saga.is_final
    saga.record_answer(debit, None)
    assert names(saga) == ["Failed"]
    assert saga.has_errored and saga.errors == [error]


def test_a_saga_ignores_late_repeated_and_unrelated_answers():
    saga, debit, credit = new_transfer()
    saga.record_answer(credit, None)  # not waiting on the credit account yet
    saga.record_answer(uuid4(), None)
    assert names(saga) == ["Started", "DebitRequested"]
    saga.record_answer(debit, None)
    saga.record_answer(credit, None)
    saga.collect_events()
    for account in (debit, credit):
        saga.record_answer(account, None)
        saga.record_answer(account, AccountClosedError({"account_id": account}))
    assert saga.collect_events() == []
    assert saga.has_succeeded and not saga.has_errored


def test_request_ids_map_to_the_same_command_id_and_conflicts_are_named():
    assert command_id_for("abc") == command_id_for("abc") != command_id_for("abd")
    assert command_id_for(None) != command_id_for(None)
    account = uuid4()
    first = DepositFunds(
        id=command_id_for("r"), credit_account_id=account, amount=D("5.00"), request_id="r", submitted_by=""
    )
    same = DepositFunds(
        id=command_id_for("r"), credit_account_id=account, amount=D("5.00"), request_id="r", submitted_by=""
    )
    other = DepositFunds(
        id=command_id_for("r"), credit_account_id=account, amount=D("6.00"), request_id="r", submitted_by=""
    )
    first.check_is_same_request_as(same)
    with pytest.raises(RequestConflictError, match="amount=5.00.*amount=6.00"):
        first.check_is_same_request_as(other)
