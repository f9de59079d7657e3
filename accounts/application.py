"""Applications that own BankAccount aggregates."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.domain import BaseAggregate
from eventsourcing.persistence import JSONTranscoder, Tracking
from eventsourcing.system import ProcessApplication
from eventsourcing.utils import get_topic

from accounts.domain import (
    AccountNotFoundError,
    BankAccount,
    RejectedTransaction,
    SameAccountError,
    TransactionError,
    parse_account_id,
    parse_amount,
    parse_email_address,
    parse_full_name,
    register_transaction_errors,
)
from sagas.domain import Saga, TransferFundsSaga

# Every this-many events an account is snapshotted, so that loading it
# replays at most this many events however long its history.
ACCOUNT_SNAPSHOT_INTERVAL = 100


class TransactionErrorsInEvents:
    """For an application (or projection) whose events carry transaction errors:
    their transcodings are registered."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transaction_errors(transcoder)


class LeanFollower:
    """A process application (or projection) that processes each event as eventsourcing's
    EventSourcedProjection.process_event does, without three of its costs per event
    (the last two together 7% of the worker's instructions, counted under callgrind):

    - its policy, a functools.singledispatchmethod, is bound once, when the application
      is made: looked up on the instance, it makes and wraps a new function every time;
    - its ProcessingEvent is made as a plain class: eventsourcing makes it through a
      generic alias (ProcessingEvent[TAggregateID](...)), four times the cost of the
      object itself (typing sets __orig_class__ on each);
    - collecting an aggregate's events recognises eventsourcing's aggregates by their
      class (LeanProcessingEvent) before the runtime-checked protocols, which cost
      several microseconds a call.

    The steps of process_event are eventsourcing's, in its order; a test compares them.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cls = type(self)
        descriptor = next(klass.__dict__["policy"] for klass in cls.__mro__ if "policy" in klass.__dict__)
        if isinstance(descriptor, singledispatchmethod):
            self.policy = descriptor.__get__(self, cls)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.processing_lock:  # as eventsourcing's Follower.process_event
            processing_event = LeanProcessingEvent(tracking)
            self.policy(domain_event, processing_event)
            recordings = self._record(processing_event)
            self._take_snapshots(processing_event)
            self.notify(processing_event.events)
            self._notify(recordings)


class LeanProcessingEvent(ProcessingEvent):
    """A ProcessingEvent that collects the events of eventsourcing's aggregates without
    checking them against its protocols first (anything else, it collects as its base does)."""

    def collect_events(self, *objs: Any, **kwargs: Any) -> None:
        if kwargs or not all(isinstance(obj, BaseAggregate) for obj in objs):
            super().collect_events(*objs, **kwargs)
            return
        for aggregate in objs:
            self.events.extend(aggregate.collect_events())
            self.aggregates[aggregate.id] = aggregate


class BankAccountApplication(TransactionErrorsInEvents, Application):
    """What every application that holds BankAccount aggregates can do directly."""

    snapshotting_intervals = {BankAccount: ACCOUNT_SNAPSHOT_INTERVAL}

    def create_account(self, full_name: str = "", email_address: str = "") -> UUID:
        account = BankAccount(
            full_name=parse_full_name(full_name), email_address=parse_email_address(email_address)
        )
        self.save(account)
        return account.id

    def get_account(self, account_id: UUID, *, copy: bool = True) -> BankAccount:
        """The account, as recorded.

        With the aggregate cache on, a copy of the cached account unless copy is
        False: then the cached object itself, for processors that empty the cache
        whenever a change to it is not recorded (infrastructure.worker.FollowerLoop).
        """
        try:
            return self.repository.get(parse_account_id(account_id), deepcopy_from_cache=copy)
        except AggregateNotFoundError:
            raise AccountNotFoundError({"account_id": account_id}) from None

    def get_balance(self, account_id: UUID) -> Decimal:
        return self.get_account(account_id).balance

    def get_overdraft_limit(self, account_id: UUID) -> Decimal:
        return self.get_account(account_id).overdraft_limit

    def set_overdraft_limit(self, account_id: UUID, overdraft_limit: Any) -> None:
        account = self.get_account(account_id)
        account.set_overdraft_limit(overdraft_limit)
        self.save(account)

    def close_account(self, account_id: UUID) -> None:
        account = self.get_account(account_id)
        account.close()
        self.save(account)


class SimpleBankAccountApplication(BankAccountApplication):
    """One application, synchronous: every action is saved atomically or not at all."""

    name = "SimpleBank"

    def deposit_funds(self, credit_account_id: UUID, amount: Any) -> None:
        amount = parse_amount(amount)
        account = self.get_account(credit_account_id)
        account.credit(amount)
        self.save(account)

    def withdraw_funds(self, debit_account_id: UUID, amount: Any) -> None:
        amount = parse_amount(amount)
        account = self.get_account(debit_account_id)
        account.debit(amount)
        self.save(account)

    def transfer_funds(self, debit_account_id: UUID, credit_account_id: UUID, amount: Any) -> None:
        amount = parse_amount(amount)
        if debit_account_id == credit_account_id:
            raise SameAccountError({"account_id": debit_account_id})
        debit_account = self.get_account(debit_account_id)
        credit_account = self.get_account(credit_account_id)
        debit_account.debit(amount)
        credit_account.credit(amount)
        self.save(debit_account, credit_account)


class Accounts(LeanFollower, BankAccountApplication, ProcessApplication):
    """Carries out what sagas ask of accounts.

    A refusal is answered as data (ErrorRecorded on the account, or a
    RejectedTransaction when there is no such account), never as an exception,
    so that the saga sees it and the pipeline goes on.
    """

    name = "Accounts"
    # The requests a saga makes of Accounts: the only events of Sagas that Accounts reads.
    topics = tuple(
        map(
            get_topic,
            [
                Saga.CreditRequested,
                Saga.DebitRequested,
                TransferFundsSaga.RefundRequested,
                Saga.OpeningRequested,
                Saga.OverdraftLimitRequested,
                Saga.ClosingRequested,
            ],
        )
    )

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other events ask nothing of Accounts."""

    @policy.register(Saga.OpeningRequested)
    def _(self, request: Saga.OpeningRequested, processing_event: ProcessingEvent) -> None:
        account = BankAccount(
            full_name=request.full_name,
            email_address=request.email_address,
            transaction_id=request.originator_id,
            id=request.originator_id,
        )
        processing_event.collect_events(account)

    @policy.register(Saga.CreditRequested)
    def _(self, request: Saga.CreditRequested, processing_event: ProcessingEvent) -> None:
        self.answer(request, processing_event, lambda a: a.credit(request.amount, request.originator_id))

    @policy.register(Saga.DebitRequested)
    def _(self, request: Saga.DebitRequested, processing_event: ProcessingEvent) -> None:
        self.answer(request, processing_event, lambda a: a.debit(request.amount, request.originator_id))

    @policy.register(TransferFundsSaga.RefundRequested)
    def _(self, request: TransferFundsSaga.RefundRequested, processing_event: ProcessingEvent) -> None:
        self.answer(request, processing_event, lambda a: a.refund(request.amount, request.originator_id))

    @policy.register(Saga.OverdraftLimitRequested)
    def _(self, request: Saga.OverdraftLimitRequested, processing_event: ProcessingEvent) -> None:
        self.answer(
            request,
            processing_event,
            lambda a: a.set_overdraft_limit(request.overdraft_limit, request.originator_id),
        )

    @policy.register(Saga.ClosingRequested)
    def _(self, request: Saga.ClosingRequested, processing_event: ProcessingEvent) -> None:
        self.answer(request, processing_event, lambda a: a.close_if_balance_is_zero(request.originator_id))

    def answer(
        self,
        request: Any,
        processing_event: ProcessingEvent,
        change: Callable[[BankAccount], None],
    ) -> None:
        """Applies change to the requested account, or records why it cannot be done."""
        transaction_id = request.originator_id
        try:
            account = self.get_account(request.account_id, copy=False)
        except AccountNotFoundError as error:
            rejection = RejectedTransaction(
                transaction_id=transaction_id, account_id=request.account_id, error=error
            )
            processing_event.collect_events(rejection)
            return
        try:
            change(account)
        except TransactionError as error:
            account.record_error(error, transaction_id)
        processing_event.collect_events(account)
