"""Projects Commands' and Sagas' events into SagaSummary rows (every request and its status)
and HourlyRequests rows (how many were submitted, and failed, in each hour)."""

from __future__ import annotations

from datetime import datetime
from functools import singledispatchmethod
from typing import Any

from eventsourcing.application import ProcessingEvent
from eventsourcing.system import ProcessApplication
from eventsourcing.utils import get_topic

from accounts.application import LeanFollower, TransactionErrorsInEvents
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
from sagas.domain import FORMER_TOPICS, Command, Saga
from sagas.models import HourlyRequests, SagaSummary
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


class SagasProjection(ReadModelProjection, LeanFollower, TransactionErrorsInEvents, ProcessApplication):
    name = "SagasProjection"
    read_models = (SagaSummary, HourlyRequests)
    # Only what changes a row: a saga's requests to Accounts are not read at all.
    topics = (
        *(get_topic(kind.command.Requested) for kind in REQUESTS),
        *(get_topic(kind.saga.Started) for kind in REQUESTS),
        get_topic(Saga.Succeeded),
        get_topic(Saga.Failed),
        *FORMER_TOPICS,
    )

    def prefetch(self, domain_events: list[Any]) -> None:
        saga_ids = {event.originator_id for event in domain_events}
        self.changes.prefetch(SagaSummary, "saga_id", saga_ids)
        # The hours the events count in: those of the requests they begin, and of those read.
        hours = {
            HourlyRequests.hour_of(event.timestamp)
            for event in domain_events
            if isinstance(event, (Command.Created, Saga.Created))
        }
        for saga_id in saga_ids:
            summary = self.changes.get(SagaSummary, "saga_id", saga_id)
            if summary is not None:
                hours.add(HourlyRequests.hour_of(summary.created_at))
        self.changes.prefetch(HourlyRequests, "hour", hours)

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other events change no read model."""

    @policy.register(Command.Created)
    def _(self, event: Command.Created, processing_event: ProcessingEvent) -> None:
        command = event.mutate(None)
        summary = self.summary(command, event)
        summary.submitted_by = command.submitted_by
        summary.request_id = command.request_id or ""
        counted_at, summary.created_at = summary.created_at, event.timestamp  # when the teller submitted it
        self.changes.change(summary, "submitted_by", "request_id", "created_at")
        if HourlyRequests.hour_of(counted_at) != HourlyRequests.hour_of(summary.created_at):
            # Counted in its saga's hour when that came first: moved to its own.
            failed = int(summary.status == SagaSummary.Status.FAILED)
            self.count(counted_at, total=-1, failed=-failed)
            self.count(summary.created_at, total=1, failed=failed)

    @policy.register(Saga.Created)
    def _(self, event: Saga.Created, processing_event: ProcessingEvent) -> None:
        self.summary(event.mutate(None), event)

    @policy.register(Saga.Succeeded)
    def _(self, event: Saga.Succeeded, processing_event: ProcessingEvent) -> None:
        summary = self.changes.get(SagaSummary, "saga_id", event.originator_id)
        summary.status = SagaSummary.Status.SUCCEEDED
        summary.finished_at = event.timestamp
        self.changes.change(summary, "status", "finished_at")

    @policy.register(Saga.Failed)
    def _(self, event: Saga.Failed, processing_event: ProcessingEvent) -> None:
        summary = self.changes.get(SagaSummary, "saga_id", event.originator_id)
        if summary.status != SagaSummary.Status.FAILED:
            self.count(summary.created_at, failed=1)
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
            self.count(summary.created_at, total=1)
        return summary

    def count(self, created_at: datetime, total: int = 0, failed: int = 0) -> None:
        """Adds to the figures of the hour of created_at (its row made when first counted in)."""
        hour = HourlyRequests.hour_of(created_at)
        row = self.changes.get(HourlyRequests, "hour", hour)
        if row is None:
            row = HourlyRequests(hour=hour)
            self.changes.add(row, "hour")
        row.total += total
        row.failed += failed
        self.changes.change(row, "total", "failed")
