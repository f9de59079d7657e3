"""Projects the Accounts application's events into AccountSummary and LedgerEntry rows."""

from __future__ import annotations

from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, LRUCache, ProcessingEvent
from eventsourcing.system import ProcessApplication
from eventsourcing.utils import get_topic

from accounts.application import LeanFollower, TransactionErrorsInEvents
from accounts.domain import BankAccount
from accounts.models import AccountSummary, BankTotals, LedgerEntry
from accounts.numbers import account_number, is_valid_account_number
from infrastructure.projections import ReadModelProjection
from sagas.application import Sagas
from sagas.domain import Saga, TransferFundsSaga

# Named here too: code that read them from the projection before they had a module.
__all__ = ["AccountsProjection", "account_number", "is_valid_account_number"]


class AccountsProjection(ReadModelProjection, LeanFollower, TransactionErrorsInEvents, ProcessApplication):
    name = "AccountsProjection"
    read_models = (LedgerEntry, AccountSummary, BankTotals)
    topics = tuple(
        get_topic(cls)
        for cls in (
            BankAccount.Opened,
            BankAccount.TransactionAppended,
            BankAccount.OverdraftLimitSet,
            BankAccount.Closed,
        )
    )

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        # Reads sagas from the event store to say what moved the money: only what a
        # saga starts with (its kind and its accounts), which never changes, so the
        # sagas of recent transactions are kept in memory as they started.
        self.sagas = Sagas(env=env)
        self.started_sagas: LRUCache[UUID, Saga] = LRUCache(maxsize=10000)

    def prefetch(self, domain_events: list[Any]) -> None:
        self.changes.prefetch(AccountSummary, "account_id", {event.originator_id for event in domain_events})
        saga_ids = {
            event.transaction_id
            for event in domain_events
            if isinstance(event, BankAccount.TransactionAppended) and event.transaction_id is not None
        }
        not_kept = [saga_id for saga_id in saga_ids if self.kept_saga(saga_id) is None]
        for stored_event in self.sagas.recorder.select_first_events(not_kept):
            started = self.sagas.mapper.to_domain_event(stored_event)
            self.started_sagas.put(started.originator_id, started.mutate(None))

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other events change no read model."""

    @policy.register(BankAccount.Opened)
    def _(self, event: BankAccount.Opened, processing_event: ProcessingEvent) -> None:
        if self.changes.get(AccountSummary, "account_id", event.originator_id) is not None:
            return
        summary = AccountSummary(
            account_id=event.originator_id,
            number=account_number(processing_event.tracking.notification_id),
            full_name=event.full_name,
            email_address=event.email_address,
            opened_at=event.timestamp,
            changed_at=event.timestamp,
            version=event.originator_version,
        )
        self.changes.add(summary, "account_id")
        totals = self.totals()
        totals.account_count += 1
        self.changes.change(totals, "account_count")

    @policy.register(BankAccount.TransactionAppended)
    def _(self, event: BankAccount.TransactionAppended, processing_event: ProcessingEvent) -> None:
        summary = self.summary_to_change(event)
        if summary is None:
            return
        summary.balance += event.amount
        kind, counterparty = self.describe_transaction(event)
        entry = LedgerEntry(
            account_id=event.originator_id,
            version=event.originator_version,
            transaction_id=event.transaction_id,
            kind=kind,
            amount=event.amount,
            balance_after=summary.balance,
            counterparty_account_id=counterparty,
            created_at=event.timestamp,
        )
        self.changes.add(entry)
        self.change_summary(summary, event, "balance")
        totals = self.totals()
        totals.total_balance += event.amount
        self.changes.change(totals, "total_balance")

    @policy.register(BankAccount.OverdraftLimitSet)
    def _(self, event: BankAccount.OverdraftLimitSet, processing_event: ProcessingEvent) -> None:
        summary = self.summary_to_change(event)
        if summary is not None:
            summary.overdraft_limit = event.overdraft_limit
            self.change_summary(summary, event, "overdraft_limit")

    @policy.register(BankAccount.Closed)
    def _(self, event: BankAccount.Closed, processing_event: ProcessingEvent) -> None:
        summary = self.summary_to_change(event)
        if summary is not None:
            summary.is_closed = True
            self.change_summary(summary, event, "is_closed")

    def totals(self) -> BankTotals:
        """The bank's totals row (made with the first account)."""
        totals = self.changes.get(BankTotals, "pk", BankTotals.ROW)
        if totals is None:
            totals = BankTotals(pk=BankTotals.ROW)
            self.changes.add(totals, "pk")
        return totals

    def summary_to_change(self, event: Any) -> AccountSummary | None:
        """The account's row, unless it already reflects this event (seen again)."""
        summary = self.changes.get(AccountSummary, "account_id", event.originator_id)
        if summary is None:
            msg = f"no account row for {event.originator_id}: its opening was not projected"
            raise AccountSummary.DoesNotExist(msg)
        return summary if summary.version < event.originator_version else None

    def change_summary(self, summary: AccountSummary, event: Any, field: str) -> None:
        summary.version = event.originator_version
        summary.changed_at = event.timestamp
        self.changes.change(summary, field, "version", "changed_at")

    def describe_transaction(self, event: Any) -> tuple[str, UUID | None]:
        """The kind of entry and the other account, from the saga that caused it."""
        account_id, credit = event.originator_id, event.amount > 0
        saga = None
        if event.transaction_id is not None:
            saga = self.started_saga(event.transaction_id)
        if isinstance(saga, TransferFundsSaga):
            if account_id == saga.credit_account_id:
                return LedgerEntry.Kind.TRANSFER_IN, saga.debit_account_id
            if credit:
                return LedgerEntry.Kind.REFUND, saga.credit_account_id
            return LedgerEntry.Kind.TRANSFER_OUT, saga.credit_account_id
        return (LedgerEntry.Kind.DEPOSIT if credit else LedgerEntry.Kind.WITHDRAWAL), None

    def kept_saga(self, saga_id: UUID) -> Saga | None:
        try:
            return self.started_sagas.get(saga_id)
        except KeyError:
            return None

    def started_saga(self, saga_id: UUID) -> Saga | None:
        """The saga as it started, or None if there is no such saga."""
        kept = self.kept_saga(saga_id)
        if kept is not None:
            return kept
        try:
            saga = self.sagas.repository.get(saga_id, version=1)
        except AggregateNotFoundError:
            return None
        self.started_sagas.put(saga_id, saga)
        return saga
