"""Tellers' requests (commands) and the sagas that carry them out through Accounts.

A command records a request exactly as it was made. Its saga (same id) asks
Accounts for one step at a time by recording a request event; Accounts answers
with an account event that carries the saga's id as its transaction_id. Every
saga ends succeeded or errored, and ignores answers it is no longer waiting for.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4, uuid5

from eventsourcing.domain import Aggregate, event

from accounts.domain import TransactionError, check_text

# Request ids chosen by a client (a web form, say) map to command ids in this namespace.
REQUEST_ID_NAMESPACE = UUID("6f0f4c1e-8a43-4d0b-9a55-3f5b2c1d7e90")


class RequestConflictError(ValueError):
    """A request id was used again for a different request."""


MAXIMUM_REQUEST_ID_LENGTH = 100
MAXIMUM_SUBMITTED_BY_LENGTH = 150  # as Django's usernames


def parse_request_id(value: Any) -> str | None:
    """A client's request id as recorded: a UUID or a non-empty text, or None for none."""
    if value is None:
        return None
    if isinstance(value, UUID):
        return str(value)
    return check_text("request_id", value, MAXIMUM_REQUEST_ID_LENGTH, required=True)


def parse_submitted_by(value: Any) -> str:
    return check_text("submitted_by", value, MAXIMUM_SUBMITTED_BY_LENGTH)


def command_id_for(request_id: Any | None) -> UUID:
    """The command id for a request: derived from the request id, so that the same
    request sent twice is one command; new when the client gave no request id."""
    if request_id is None:
        return uuid4()
    return uuid5(REQUEST_ID_NAMESPACE, str(request_id))


class Command(Aggregate):
    """A teller's request, recorded as it was made."""

    @property
    def request(self) -> dict[str, Any]:
        """What was asked: the kind of request and its fields (not who, when or with which id)."""
        fields = {
            name: value
            for name, value in vars(self).items()
            if not name.startswith("_") and name not in ("request_id", "submitted_by")
        }
        return {"kind": type(self).__name__, **fields}

    def check_is_same_request_as(self, other: Command) -> None:
        if self.request != other.request:
            msg = (
                f"Request id {self.request_id!r} was already used for a different request: "
                f"{describe(self.request)}; not {describe(other.request)}"
            )
            raise RequestConflictError(msg)

    def start_saga(self) -> Saga:
        raise NotImplementedError


def describe(request: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in request.items())


class OpenAccount(Command):
    @event("Requested")
    def __init__(
        self, id: UUID, full_name: str, email_address: str, request_id: str | None, submitted_by: str = ""
    ):
        self.full_name = full_name
        self.email_address = email_address
        self.request_id = request_id
        self.submitted_by = submitted_by

    def start_saga(self) -> Saga:
        saga = OpenAccountSaga(id=self.id, full_name=self.full_name, email_address=self.email_address)
        saga.request_opening(self.full_name, self.email_address)
        return saga


class DepositFunds(Command):
    @event("Requested")
    def __init__(
        self,
        id: UUID,
        credit_account_id: UUID,
        amount: Decimal,
        request_id: str | None,
        submitted_by: str = "",
    ):
        self.credit_account_id = credit_account_id
        self.amount = amount
        self.request_id = request_id
        self.submitted_by = submitted_by

    def start_saga(self) -> Saga:
        saga = DepositFundsSaga(id=self.id, credit_account_id=self.credit_account_id, amount=self.amount)
        saga.request_credit(self.credit_account_id, self.amount)
        return saga


class WithdrawFunds(Command):
    @event("Requested")
    def __init__(
        self,
        id: UUID,
        debit_account_id: UUID,
        amount: Decimal,
        request_id: str | None,
        submitted_by: str = "",
    ):
        self.debit_account_id = debit_account_id
        self.amount = amount
        self.request_id = request_id
        self.submitted_by = submitted_by

    def start_saga(self) -> Saga:
        saga = WithdrawFundsSaga(id=self.id, debit_account_id=self.debit_account_id, amount=self.amount)
        saga.request_debit(self.debit_account_id, self.amount)
        return saga


class TransferFunds(Command):
    @event("Requested")
    def __init__(
        self,
        id: UUID,
        debit_account_id: UUID,
        credit_account_id: UUID,
        amount: Decimal,
        request_id: str | None,
        submitted_by: str = "",
    ):
        self.debit_account_id = debit_account_id
        self.credit_account_id = credit_account_id
        self.amount = amount
        self.request_id = request_id
        self.submitted_by = submitted_by

    def start_saga(self) -> Saga:
        saga = TransferFundsSaga(
            id=self.id,
            debit_account_id=self.debit_account_id,
            credit_account_id=self.credit_account_id,
            amount=self.amount,
        )
        saga.request_debit(self.debit_account_id, self.amount)
        return saga


class SetOverdraftLimit(Command):
    @event("Requested")
    def __init__(
        self,
        id: UUID,
        account_id: UUID,
        overdraft_limit: Decimal,
        request_id: str | None,
        submitted_by: str = "",
    ):
        self.account_id = account_id
        self.overdraft_limit = overdraft_limit
        self.request_id = request_id
        self.submitted_by = submitted_by

    def start_saga(self) -> Saga:
        saga = SetOverdraftLimitSaga(
            id=self.id, account_id=self.account_id, overdraft_limit=self.overdraft_limit
        )
        saga.request_overdraft_limit(self.account_id, self.overdraft_limit)
        return saga


class CloseAccount(Command):
    @event("Requested")
    def __init__(self, id: UUID, account_id: UUID, request_id: str | None, submitted_by: str = ""):
        self.account_id = account_id
        self.request_id = request_id
        self.submitted_by = submitted_by

    def start_saga(self) -> Saga:
        saga = CloseAccountSaga(id=self.id, account_id=self.account_id)
        saga.request_closing(self.account_id)
        return saga


class Saga(Aggregate):
    """Carries out one command. Its id is the command's id and the transaction_id
    of every account event it causes."""

    # Class defaults, so that each kind of saga's __init__ records only what was asked.
    has_succeeded = False
    has_errored = False
    _errors = ()
    awaiting = None  # (step, account_id) of the request the saga waits on, if any

    @property
    def errors(self) -> list[TransactionError]:
        """Why the saga errored (empty unless it has)."""
        return list(self._errors)

    @property
    def is_final(self) -> bool:
        return self.has_succeeded or self.has_errored

    # Requests to Accounts.

    @event("CreditRequested")
    def request_credit(self, account_id: UUID, amount: Decimal) -> None:
        self.awaiting = ("credit", account_id)

    @event("DebitRequested")
    def request_debit(self, account_id: UUID, amount: Decimal) -> None:
        self.awaiting = ("debit", account_id)

    @event("OpeningRequested")
    def request_opening(self, full_name: str, email_address: str) -> None:
        self.awaiting = ("opening", self.id)

    @event("OverdraftLimitRequested")
    def request_overdraft_limit(self, account_id: UUID, overdraft_limit: Decimal) -> None:
        self.awaiting = ("overdraft limit", account_id)

    @event("ClosingRequested")
    def request_closing(self, account_id: UUID) -> None:
        self.awaiting = ("closing", account_id)

    # Outcomes.

    @event("Succeeded")
    def succeed(self) -> None:
        self.has_succeeded = True
        self.awaiting = None

    @event("Errored")
    def fail(self, errors: list[TransactionError]) -> None:
        self.has_errored = True
        self._errors = tuple(errors)
        self.awaiting = None

    def record_answer(self, account_id: UUID, error: TransactionError | None) -> None:
        """Takes Accounts' answer about one account: done, or refused with error.

        An answer the saga is not waiting for (late, repeated, or about another
        account) changes nothing.
        """
        if self.awaiting is None or self.awaiting[1] != account_id:
            return
        self.take_answer(self.awaiting[0], error)

    def take_answer(self, step: str, error: TransactionError | None) -> None:
        """One step done: the saga's next request, or its end. Most sagas have one step."""
        if error is None:
            self.succeed()
        else:
            self.fail([error])


class OpenAccountSaga(Saga):
    @event("Started")
    def __init__(self, id: UUID, full_name: str, email_address: str):
        self.full_name = full_name
        self.email_address = email_address

    @property
    def account_id(self) -> UUID:
        return self.id


class DepositFundsSaga(Saga):
    @event("Started")
    def __init__(self, id: UUID, credit_account_id: UUID, amount: Decimal):
        self.credit_account_id = credit_account_id
        self.amount = amount


class WithdrawFundsSaga(Saga):
    @event("Started")
    def __init__(self, id: UUID, debit_account_id: UUID, amount: Decimal):
        self.debit_account_id = debit_account_id
        self.amount = amount


class SetOverdraftLimitSaga(Saga):
    @event("Started")
    def __init__(self, id: UUID, account_id: UUID, overdraft_limit: Decimal):
        self.account_id = account_id
        self.overdraft_limit = overdraft_limit


class CloseAccountSaga(Saga):
    @event("Started")
    def __init__(self, id: UUID, account_id: UUID):
        self.account_id = account_id


class TransferFundsSaga(Saga):
    """Debit, then credit. When the credit fails, refund the debit and end
    errored with the credit's error."""

    credit_error = None

    @event("Started")
    def __init__(
        self,
        id: UUID,
        debit_account_id: UUID,
        credit_account_id: UUID,
        amount: Decimal,
    ):
        self.debit_account_id = debit_account_id
        self.credit_account_id = credit_account_id
        self.amount = amount

    def take_answer(self, step: str, error: TransactionError | None) -> None:
        if step == "debit":
            if error is None:
                self.request_credit(self.credit_account_id, self.amount)
            else:
                self.fail([error])
        elif step == "credit":
            if error is None:
                self.succeed()
            else:
                self.request_refund(self.debit_account_id, self.amount, credit_error=error)
        elif step == "refund":
            assert self.credit_error is not None
            self.fail([self.credit_error])

    @event("RefundRequested")
    def request_refund(self, account_id: UUID, amount: Decimal, credit_error: TransactionError) -> None:
        self.credit_error = credit_error
        self.awaiting = ("refund", account_id)


SAGA_REQUESTS = (
    Saga.CreditRequested,
    Saga.DebitRequested,
    TransferFundsSaga.RefundRequested,
    Saga.OpeningRequested,
    Saga.OverdraftLimitRequested,
    Saga.ClosingRequested,
)
