"""The books checked from the event store, in one streaming pass.

The Commands, Sagas and Accounts logs are read together in notification-id order
(ids are given from one sequence across applications, and an event is recorded
only after what caused it committed, so a request always comes before its answer
and an answer before the saga's outcome). Memory holds one small record per
account and one per request still in flight, never the events themselves.

Events are read from their stored JSON (see audit.verification.events), ids kept as
hex text throughout; a discrepancy names them as UUIDs.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Max
from django.utils import timezone

from accounts.domain import ZERO, BankAccount, RejectedTransaction
from audit.verification.events import (
    amount_of,
    as_uuid,
    event_class,
    hex_of,
    state_reader,
    timestamp_of,
)
from audit.verification.read_models import ReadModelChecks
from audit.verification.report import Report
from audit.verification.requests import RequestChecks
from audit.verification.store import PAGE_SIZE, event_rows
from bankproject.models import ProjectionTrackingRecord
from sagas.domain import Command, TransferFundsSaga

Handler = Callable[[int, str, int, Any], None]  # notification id, originator id (hex), version, state


class AccountState:
    """One account as its events say, now and as at the accounts projection's position."""

    __slots__ = (
        "opened_at_notification",
        "balance",
        "overdraft_limit",
        "is_closed",
        "row",
        "ledger_entries",
        "ledger_digest",
        "rows_entries",
        "rows_digest",
        "has_row",
    )

    def __init__(self, opened_at_notification: int) -> None:
        self.opened_at_notification = opened_at_notification
        self.balance = ZERO
        self.overdraft_limit = ZERO
        self.is_closed = False
        self.row: tuple | None = None  # what its AccountSummary row should hold
        self.ledger_entries = 0  # ledger entries its row should have, and their digest
        self.ledger_digest = 0
        self.rows_entries = 0  # what the ledger table has
        self.rows_digest = 0
        self.has_row = False


class Verification(RequestChecks, ReadModelChecks):
    """One pass over the store (see the module's docstring); the checks of requests and
    of the read models are in their own modules."""

    def __init__(self, verifier: Any) -> None:
        self.v = verifier
        self.report = Report(
            started_at=timezone.now(), pending_limit_seconds=verifier.pending_limit.total_seconds()
        )
        self.accounts: dict[str, AccountState] = {}
        self.requests: dict[str, Any] = {}
        self.rows_to_compare: list[tuple[str, tuple]] = []
        self.request_rows_expected = 0
        self.deposits = ZERO
        self.withdrawals = ZERO

    def run(self) -> Report:
        positions = self.read_positions()
        self.accounts_position = positions.get(("AccountsProjection", "Accounts"), 0)
        self.commands_position = positions.get(("SagasProjection", "Commands"), 0)
        self.sagas_position = positions.get(("SagasProjection", "Sagas"), 0)
        self.report.positions = {
            "AccountsProjection of Accounts": self.accounts_position,
            "SagasProjection of Commands": self.commands_position,
            "SagasProjection of Sagas": self.sagas_position,
        }
        self.apps = {app.name: app for app in (self.v.commands, self.v.sagas, self.v.accounts)}
        last = max((app.recorder.max_notification_id() or 0) for app in self.apps.values())
        handlers: dict[tuple[str, str], Handler] = {}
        counts = dict.fromkeys(self.apps, 0)
        on_progress = self.v.on_progress
        for n, (notification_id, name, originator_id, version, topic, state) in enumerate(
            event_rows(self.apps)
        ):
            counts[name] += 1
            handler = handlers.get((name, topic))
            if handler is None:
                handler = handlers[(name, topic)] = self.handler_for(name, topic)
            handler(notification_id, originator_id, version, state)
            if n % PAGE_SIZE == 0:
                on_progress(notification_id, last)
        self.report.counts.update({f"events of {name}": count for name, count in counts.items() if count})
        on_progress(last, last)
        self.finish()
        self.report.finished_at = timezone.now()
        return self.report

    def read_positions(self) -> dict[tuple[str, str], int]:
        """The projections' positions, in their own table (kept apart from the money
        path's tracking: see bankproject.models.ProjectionTrackingRecord)."""
        return {
            (row["application_name"], row["upstream_application_name"]): row["position"]
            for row in ProjectionTrackingRecord.objects.filter(
                application_name__in=["AccountsProjection", "SagasProjection"]
            )
            .values("application_name", "upstream_application_name")
            .annotate(position=Max("notification_id"))
        }

    def handler_for(self, name: str, topic: str) -> Handler:
        """What to do with an application's events of one topic (found once per topic)."""
        cls = event_class(topic)
        take: Callable[..., None] | None = None
        if name == "Commands":
            take = self.take_command if issubclass(cls, Command.Created) else None
        elif name == "Sagas":
            take = self.saga_handler(cls)
        elif issubclass(cls, RejectedTransaction.Recorded):
            take = self.take_rejection
        elif issubclass(cls, BankAccount.Opened):
            take = self.take_opening
        elif issubclass(cls, BankAccount.TransactionAppended):
            take = self.take_transaction
        else:
            take = self.take_account_change
        if take is None:
            return lambda notification_id, originator_id, version, state: None
        read = state_reader(self.apps[name])
        return lambda notification_id, originator_id, version, state: take(
            notification_id, originator_id, version, read(state), cls
        )

    # Accounts.

    def take_rejection(self, notification_id: int, originator_id: str, version: int, state: dict, cls: type):
        self.take_answer(hex_of(state["transaction_id"]), hex_of(state["account_id"]), notification_id)

    def take_opening(self, notification_id: int, account_id: str, version: int, state: dict, cls: type):
        account = self.accounts[account_id] = AccountState(notification_id)
        self.report.counts["accounts"] += 1
        if notification_id <= self.accounts_position:
            account.row = (state["full_name"], state["email_address"], ZERO, ZERO, False, version)
        self.take_answer(hex_of(state.get("transaction_id")), account_id, notification_id)

    def account_of(self, account_id: str, notification_id: int, cls: type) -> AccountState | None:
        account = self.accounts.get(account_id)
        if account is None:
            self.discrepancy(
                "balance",
                f"{cls.__qualname__} of an account never opened",
                account_id=account_id,
                notification_id=notification_id,
                application="Accounts",
            )
        return account

    def take_transaction(self, notification_id: int, account_id: str, version: int, state: dict, cls: type):
        account = self.accounts.get(account_id) or self.account_of(account_id, notification_id, cls)
        if account is None:
            return
        amount = amount_of(state["amount"])
        transaction_id = hex_of(state.get("transaction_id"))
        projected = notification_id <= self.accounts_position
        self.check_transaction(
            account_id, account, version, amount, transaction_id, notification_id, projected
        )
        if projected:
            row = account.row
            account.row = (
                row[0],
                row[1],
                account.balance,
                account.overdraft_limit,
                account.is_closed,
                version,
            )
        self.take_answer(transaction_id, account_id, notification_id, amount)

    def take_account_change(
        self, notification_id: int, account_id: str, version: int, state: dict, cls: type
    ):
        account = self.account_of(account_id, notification_id, cls)
        if account is None:
            return
        if issubclass(cls, BankAccount.OverdraftLimitSet):
            account.overdraft_limit = amount_of(state["overdraft_limit"])
        elif issubclass(cls, BankAccount.Closed):
            account.is_closed = True
        if notification_id <= self.accounts_position and not issubclass(cls, BankAccount.ErrorRecorded):
            row = account.row
            account.row = (
                row[0],
                row[1],
                account.balance,
                account.overdraft_limit,
                account.is_closed,
                version,
            )
        self.take_answer(hex_of(state.get("transaction_id")), account_id, notification_id)

    def check_transaction(
        self,
        account_id: str,
        account: AccountState,
        version: int,
        amount: Decimal,
        transaction_id: str | None,
        notification_id: int,
        projected: bool,
    ) -> None:
        self.report.counts["transactions"] += 1
        was_closed = account.is_closed
        balance = account.balance = account.balance + amount
        where = {
            "account_id": account_id,
            "request_id": transaction_id,
            "notification_id": notification_id,
            "application": "Accounts",
        }
        if amount < 0 and balance < -account.overdraft_limit:
            self.discrepancy(
                "overdraft limit",
                f"a debit of {-amount} left the balance at {balance}, "
                f"below the overdraft limit of {account.overdraft_limit}",
                **where,
            )
        kind, counterparty = self.describe_transaction(account_id, amount, transaction_id)
        if was_closed and kind != "refund":
            self.discrepancy("closed account", f"a {kind} of {amount} on a closed account", **where)
        if projected:
            account.ledger_entries += 1
            account.ledger_digest += hash((version, transaction_id, kind, amount, balance, counterparty))

    def describe_transaction(
        self, account_id: str, amount: Decimal, transaction_id: str | None
    ) -> tuple[str, str | None]:
        """The ledger's kind of entry and other account, as the accounts projection says them."""
        request = self.requests.get(transaction_id) if transaction_id else None
        kind = request.kind if request is not None else self.started_saga_kind(transaction_id)
        if kind is TransferFundsSaga:
            if request is not None:
                _, debit, credit, _ = request.fields
            else:  # found only for the ledger's words: see started_saga_kind
                saga = self.v.sagas.repository.get(as_uuid(transaction_id), version=1)
                debit, credit = saga.debit_account_id.hex, saga.credit_account_id.hex
            if account_id == credit:
                return "transfer in", debit
            if amount > 0:
                return "refund", credit
            return "transfer out", credit
        return ("deposit" if amount > 0 else "withdrawal"), None

    # The end.

    def finish(self) -> None:
        now = self.report.started_at
        in_flight = ZERO
        for saga_id, request in list(self.requests.items()):
            in_flight += sum((amount for _, amount in request.moves), ZERO)
            self.report.counts["requests pending"] += 1
            submitted_at = request.submitted_at and timestamp_of(request.submitted_at)
            if submitted_at is not None and now - submitted_at >= self.v.pending_limit:
                self.discrepancy(
                    "pending",
                    f"{request.fields[0]} pending since {submitted_at.isoformat()}",
                    account_id=request.fields[1],
                    request_id=saga_id,
                    application="Sagas",
                )
            self.expect_request_row(saga_id, request, "pending")
        self.compare_request_rows()
        balances = sum((a.balance for a in self.accounts.values()), ZERO)
        self.report.totals = {
            "balances": str(balances),
            "deposits": str(self.deposits),
            "withdrawals": str(self.withdrawals),
            "moved by requests in flight": str(in_flight),
        }
        if balances != self.deposits - self.withdrawals + in_flight:
            self.discrepancy(
                "money conserved",
                f"balances add up to {balances}, but deposits {self.deposits} minus withdrawals "
                f"{self.withdrawals} (and {in_flight} moved by requests in flight) make "
                f"{self.deposits - self.withdrawals + in_flight}",
            )
        self.compare_account_rows()
