"""Commands records tellers' requests; Sagas carries each one out through Accounts."""

from __future__ import annotations

from collections.abc import Callable
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError
from eventsourcing.system import ProcessApplication

from accounts.application import LeanFollower, TransactionErrorsInEvents
from accounts.domain import (
    BankAccount,
    RejectedTransaction,
    parse_account_id,
    parse_amount,
    parse_email_address,
    parse_full_name,
    parse_overdraft_limit,
)
from sagas.domain import (
    CloseAccount,
    Command,
    DepositFunds,
    OpenAccount,
    Saga,
    SetOverdraftLimit,
    TransferFunds,
    WithdrawFunds,
    request_field_names,
)
from sagas.requestids import command_id_for, parse_request_id, parse_submitted_by

# How each field a request may have is read and checked before it is recorded.
FIELD_PARSERS: dict[str, Callable[[Any], Any]] = {
    "full_name": parse_full_name,
    "email_address": parse_email_address,
    "account_id": parse_account_id,
    "debit_account_id": parse_account_id,
    "credit_account_id": parse_account_id,
    "amount": parse_amount,
    "overdraft_limit": parse_overdraft_limit,
}


def request_details(request_id: Any, submitted_by: Any) -> dict[str, Any]:
    """The command id, request id and submitter of a request, checked as they will be recorded."""
    request_id = parse_request_id(request_id)
    return {
        "id": command_id_for(request_id),
        "request_id": request_id,
        "submitted_by": parse_submitted_by(submitted_by),
    }


class Commands(Application):
    """Records each request as a command and returns its id at once.

    It refuses only what it can know alone (a bad amount, a transfer to the same
    account, details that could not be recorded or shown); everything that
    depends on an account is found out by its saga.
    With a request_id, the same request sent again is the same command.
    """

    name = "Commands"

    def request(
        self, kind: type[Command], request_id: Any = None, submitted_by: Any = "", **fields: Any
    ) -> UUID:
        """Records a request of any kind: its fields read and checked as they will be
        recorded, then the command saved (once, whatever the number of times it is sent)."""
        names = request_field_names(kind)
        if set(fields) != set(names):
            missing, unknown = sorted(set(names) - set(fields)), sorted(set(fields) - set(names))
            msg = f"{kind.__name__} has the fields {', '.join(names)}: missing: {', '.join(missing) or '-'}"
            raise TypeError(f"{msg}; not one: {', '.join(unknown) or '-'}")
        fields = {name: FIELD_PARSERS[name](fields[name]) for name in names}
        kind.check(fields)
        return self.record(kind(**fields, **request_details(request_id, submitted_by)))

    def open_account(
        self, full_name: str = "", email_address: str = "", request_id: Any = None, submitted_by: str = ""
    ) -> UUID:
        return self.request(
            OpenAccount, request_id, submitted_by, full_name=full_name, email_address=email_address
        )

    def deposit_funds(
        self, credit_account_id: UUID, amount: Any, request_id: Any = None, submitted_by: str = ""
    ) -> UUID:
        return self.request(
            DepositFunds, request_id, submitted_by, credit_account_id=credit_account_id, amount=amount
        )

    def withdraw_funds(
        self, debit_account_id: UUID, amount: Any, request_id: Any = None, submitted_by: str = ""
    ) -> UUID:
        return self.request(
            WithdrawFunds, request_id, submitted_by, debit_account_id=debit_account_id, amount=amount
        )

    def transfer_funds(
        self,
        debit_account_id: UUID,
        credit_account_id: UUID,
        amount: Any,
        request_id: Any = None,
        submitted_by: str = "",
    ) -> UUID:
        return self.request(
            TransferFunds,
            request_id,
            submitted_by,
            debit_account_id=debit_account_id,
            credit_account_id=credit_account_id,
            amount=amount,
        )

    def set_overdraft_limit(
        self, account_id: UUID, overdraft_limit: Any, request_id: Any = None, submitted_by: str = ""
    ) -> UUID:
        return self.request(
            SetOverdraftLimit,
            request_id,
            submitted_by,
            account_id=account_id,
            overdraft_limit=overdraft_limit,
        )

    def close_account(self, account_id: UUID, request_id: Any = None, submitted_by: str = "") -> UUID:
        return self.request(CloseAccount, request_id, submitted_by, account_id=account_id)

    def get_command(self, command_id: UUID) -> Command:
        return self.repository.get(command_id)

    def is_recorded(self, command_id: UUID) -> bool:
        """Whether a request with this id was recorded (its saga may not have started yet)."""
        return command_id in self.repository

    def record(self, command: Command) -> UUID:
        """Saves a new command; a request already recorded is not recorded again."""
        if command.request_id is not None:
            try:
                recorded = self.get_command(command.id)
            except AggregateNotFoundError:
                pass
            else:
                recorded.check_is_same_request_as(command)
                return recorded.id
        try:
            self.save(command)
        except IntegrityError:
            # The same request, saved by another thread or process a moment ago:
            # the store keeps only one, and this one must be the same request.
            recorded = self.get_command(command.id)
            recorded.check_is_same_request_as(command)
        return command.id


class Sagas(LeanFollower, TransactionErrorsInEvents, ProcessApplication):
    """Starts a saga for each command and moves it on with each answer from Accounts."""

    name = "Sagas"

    def get_saga(self, saga_id: UUID, *, copy: bool = True) -> Saga:
        """The saga, as recorded (copy: see BankAccountApplication.get_account)."""
        return self.repository.get(saga_id, deepcopy_from_cache=copy)

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Other events move no saga."""

    @policy.register(Command.Created)
    def _(self, domain_event: Command.Created, processing_event: ProcessingEvent) -> None:
        command = domain_event.mutate(None)
        processing_event.collect_events(command.start_saga())

    @policy.register(BankAccount.Opened)
    @policy.register(BankAccount.TransactionAppended)
    @policy.register(BankAccount.OverdraftLimitSet)
    @policy.register(BankAccount.Closed)
    def _(self, event: Any, processing_event: ProcessingEvent) -> None:
        self.record_answer(processing_event, event.transaction_id, event.originator_id)

    @policy.register(BankAccount.ErrorRecorded)
    def _(self, event: BankAccount.ErrorRecorded, processing_event: ProcessingEvent) -> None:
        self.record_answer(processing_event, event.transaction_id, event.originator_id, event.error)

    @policy.register(RejectedTransaction.Recorded)
    def _(self, event: RejectedTransaction.Recorded, processing_event: ProcessingEvent) -> None:
        """A request about an account that does not exist."""
        self.record_answer(processing_event, event.transaction_id, event.account_id, event.error)

    def record_answer(
        self,
        processing_event: ProcessingEvent,
        transaction_id: UUID | None,
        account_id: UUID,
        error: Any = None,
    ) -> None:
        if transaction_id is None:
            return  # not caused by a saga (a direct action on Accounts)
        try:
            saga = self.get_saga(transaction_id, copy=False)
        except AggregateNotFoundError:
            return
        saga.record_answer(account_id, error)
        processing_event.collect_events(saga)
