"""Tellers' requests (commands) and the sagas that carry them out through Accounts.

A command records a request exactly as it was made. Its saga (same id) asks
Accounts for one step at a time by recording a request event; Accounts answers
with an account event that carries the saga's id as its transaction_id. Every
saga ends succeeded or failed, and ignores answers it is no longer waiting for.
"""

from __future__ import annotations

import dataclasses
from dataclasses import KW_ONLY
from decimal import Decimal
from typing import Any, ClassVar
from uuid import UUID

from eventsourcing.domain import Aggregate, event
from eventsourcing.utils import register_topic

from accounts.domain import SameAccountError, TransactionError


class RequestConflictError(ValueError):
    """A request id was used again for a different request."""


class Saga(Aggregate):
    """Carries out one command. Its id is the command's id and the transaction_id
    of every account event it causes. Each kind declares the command's fields and
    its first request to Accounts (`start`)."""

    # Class defaults, so that each kind of saga's __init__ records only what was asked.
    has_succeeded = False
    has_failed = False
    _errors = ()
    awaiting = None  # (step, account_id) of the request the saga waits on, if any

    @property
    def errors(self) -> list[TransactionError]:
        """Why the saga failed (empty unless it has)."""
        return list(self._errors)

    @property
    def has_errored(self) -> bool:
        """has_failed, by the name the bank's Python API has always given it."""
        return self.has_failed

    @property
    def is_final(self) -> bool:
        return self.has_succeeded or self.has_failed

    def start(self) -> None:
        raise NotImplementedError

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

    @event("Failed")
    def fail(self, errors: list[TransactionError]) -> None:
        self.has_failed = True
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


class OpenAccountSaga(Saga, created_event_name="Started"):
    id: UUID
    full_name: str
    email_address: str

    def start(self) -> None:
        self.request_opening(self.full_name, self.email_address)

    @property
    def account_id(self) -> UUID:
        return self.id


class DepositFundsSaga(Saga, created_event_name="Started"):
    id: UUID
    credit_account_id: UUID
    amount: Decimal

    def start(self) -> None:
        self.request_credit(self.credit_account_id, self.amount)


class WithdrawFundsSaga(Saga, created_event_name="Started"):
    id: UUID
    debit_account_id: UUID
    amount: Decimal

    def start(self) -> None:
        self.request_debit(self.debit_account_id, self.amount)


class SetOverdraftLimitSaga(Saga, created_event_name="Started"):
    id: UUID
    account_id: UUID
    overdraft_limit: Decimal

    def start(self) -> None:
        self.request_overdraft_limit(self.account_id, self.overdraft_limit)


class CloseAccountSaga(Saga, created_event_name="Started"):
    id: UUID
    account_id: UUID

    def start(self) -> None:
        self.request_closing(self.account_id)


class TransferFundsSaga(Saga, created_event_name="Started"):
    """Debit, then credit. When the credit fails, refund the debit and end
    failed with the credit's error."""

    id: UUID
    debit_account_id: UUID
    credit_account_id: UUID
    amount: Decimal
    credit_error = None

    def start(self) -> None:
        self.request_debit(self.debit_account_id, self.amount)

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


# A saga's failure was recorded as "Errored" until it took the word pages and read models use:
# events stored under the old topic load as Failed, and followers choosing by topic ask for both.
FORMER_TOPICS = {"sagas.domain:Saga.Errored": Saga.Failed}
for _topic, _event_class in FORMER_TOPICS.items():
    register_topic(_topic, _event_class)


class Command(Aggregate):
    """A teller's request, recorded as it was made (its event is "Requested").

    Each kind declares its fields as annotations, the saga that carries it out
    (`saga`, which takes the same fields), and may refuse at once what it can
    know alone (`check`). Who asked, and with which request id, every kind has.
    """

    _: KW_ONLY
    request_id: str | None
    submitted_by: str

    saga: ClassVar[type[Saga]]

    @classmethod
    def check(cls, fields: dict[str, Any]) -> None:
        """Refuses a request that no saga could carry out (only what the command knows alone)."""

    @property
    def fields(self) -> dict[str, Any]:
        """What was asked (not who, when or with which id)."""
        return {name: getattr(self, name) for name in request_field_names(type(self))}

    @property
    def request(self) -> dict[str, Any]:
        """The kind of request and its fields."""
        return {"kind": type(self).__name__, **self.fields}

    def check_is_same_request_as(self, other: Command) -> None:
        if self.request != other.request:
            msg = (
                f"Request id {self.request_id!r} was already used for a different request: "
                f"{describe(self.request)}; not {describe(other.request)}"
            )
            raise RequestConflictError(msg)

    def start_saga(self) -> Saga:
        """The saga that carries the request out (same id), with its first request to Accounts."""
        saga = self.saga(id=self.id, **self.fields)
        saga.start()
        return saga


def request_field_names(command_class: type[Command]) -> tuple[str, ...]:
    """A kind of request's own fields, in the order they are declared."""
    return tuple(
        field.name
        for field in dataclasses.fields(command_class)
        if field.name not in ("request_id", "submitted_by")
    )


def describe(request: dict[str, Any]) -> str:
    return ", ".join(f"{name}={value}" for name, value in request.items())


class OpenAccount(Command, created_event_name="Requested"):
    id: UUID
    full_name: str
    email_address: str
    saga = OpenAccountSaga


class DepositFunds(Command, created_event_name="Requested"):
    id: UUID
    credit_account_id: UUID
    amount: Decimal
    saga = DepositFundsSaga


class WithdrawFunds(Command, created_event_name="Requested"):
    id: UUID
    debit_account_id: UUID
    amount: Decimal
    saga = WithdrawFundsSaga


class TransferFunds(Command, created_event_name="Requested"):
    id: UUID
    debit_account_id: UUID
    credit_account_id: UUID
    amount: Decimal
    saga = TransferFundsSaga

    @classmethod
    def check(cls, fields: dict[str, Any]) -> None:
        if fields["debit_account_id"] == fields["credit_account_id"]:
            raise SameAccountError({"account_id": fields["debit_account_id"]})


class SetOverdraftLimit(Command, created_event_name="Requested"):
    id: UUID
    account_id: UUID
    overdraft_limit: Decimal
    saga = SetOverdraftLimitSaga


class CloseAccount(Command, created_event_name="Requested"):
    id: UUID
    account_id: UUID
    saga = CloseAccountSaga
