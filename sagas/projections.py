"""Projects Commands' and Sagas' events into SagaSummary rows: every request and its status."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any

from eventsourcing.application import ProcessingEvent
from eventsourcing.utils import get_topic

from accounts.application import PolicyBoundOnce, TransactionErrorsInEvents
from accounts.domain import (
    MAXIMUM_BALANCE,
    AccountClosedError,
    AccountNotFoundError,
    BalanceCeilingError,
    BalanceNotZeroError,
    InsufficientFundsError,
    TransactionError,
)
from accounts.money import in_pounds
from infrastructure.projections import ReadModelProjection
from sagas.domain import Command, Saga
from sagas.models import SagaSummary
from sagas.requests import REQUESTS, request_fields

Kind = SagaSummary.Kind


def describe_failure(summary: SagaSummary, error: TransactionError) -> str:
    """Why a request failed, as a teller would say it."""
    account_id = error.args[0].get("account_id") if error.args else None
    which = "the account"
    if summary.kind == Kind.TRANSFER:
        which = "the receiving account" if account_id == summary.to_account_id else "the paying account"
    refunded = (
        " The money taken from the paying account was put back."
        if (summary.kind == Kind.TRANSFER and account_id == summary.to_account_id)
        else ""
    )
    if isinstance(error, AccountClosedError):
        return f"Refused: {which} is closed.{refunded}"
    if isinstance(error, InsufficientFundsError):
        return f"Refused: not enough money in {which}, even with its overdraft limit."
    if isinstance(error, AccountNotFoundError):
        return f"Refused: {which} does not exist.{refunded}"
    if isinstance(error, BalanceCeilingError):
        return (
            f"Refused: {which} would hold more than {in_pounds(MAXIMUM_BALANCE)}, "
            f"the most an account may hold.{refunded}"
        )
    if isinstance(error, BalanceNotZeroError):
        balance = error.args[0]["balance"]
        if balance > 0:
            return f"Refused: the account holds {in_pounds(balance)}: pay it out before closing."
        return f"Refused: the account owes {in_pounds(-balance)}: it must be paid in before closing."
    return f"Refused: {error}"


class SagasProjection(PolicyBoundOnce, TransactionErrorsInEvents, ReadModelProjection):
    name = "SagasProjection"
    read_models = (SagaSummary,)
    # Only what changes a row: a saga's requests to Accounts are not read at all.
    topics = (
        *(get_topic(kind.command.Requested) for kind in REQUESTS),
        *(get_topic(kind.saga.Started) for kind in REQUESTS),
        get_topic(Saga.Succeeded),
        get_topic(Saga.Errored),
    )

    def prefetch(self, domain_events: list[Any]) -> None:
        self.changes.prefetch(SagaSummary, "saga_id", {event.originator_id for event in domain_events})

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other events change no read model."""

    @policy.register(Command.Created)
    def _(self, event: Command.Created, processing_event: ProcessingEvent) -> None:
        command = event.mutate(None)
        summary = self.summary(command, event)
        summary.submitted_by = command.submitted_by
        summary.request_id = command.request_id or ""
        summary.created_at = event.timestamp  # when the teller submitted it
        self.changes.change(summary, "submitted_by", "request_id", "created_at")

    @policy.register(Saga.Created)
    def _(self, event: Saga.Created, processing_event: ProcessingEvent) -> None:
        self.summary(event.mutate(None), event)

    @policy.register(Saga.Succeeded)
    def _(self, event: Saga.Succeeded, processing_event: ProcessingEvent) -> None:
        summary = self.changes.get(SagaSummary, "saga_id", event.originator_id)
        summary.status = SagaSummary.Status.SUCCEEDED
        summary.finished_at = event.timestamp
        self.changes.change(summary, "status", "finished_at")

    @policy.register(Saga.Errored)
    def _(self, event: Saga.Errored, processing_event: ProcessingEvent) -> None:
        summary = self.changes.get(SagaSummary, "saga_id", event.originator_id)
        summary.status = SagaSummary.Status.FAILED
        summary.errors = " ".join(describe_failure(summary, error) for error in event.errors)
        summary.finished_at = event.timestamp
        self.changes.change(summary, "status", "errors", "finished_at")

    def summary(self, request: Command | Saga, event: Any) -> SagaSummary:
        """The request's row, made from whichever of its command or saga comes first."""
        summary = self.changes.get(SagaSummary, "saga_id", request.id)
        if summary is None:
            summary = SagaSummary(saga_id=request.id, created_at=event.timestamp, **request_fields(request))
            self.changes.add(summary, "saga_id")
        return summary
