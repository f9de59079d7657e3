"""The books checked from the event store, in one streaming pass.

The Commands, Sagas and Accounts logs are read together in notification-id order
(ids are given from one sequence across applications, and an event is recorded
only after what caused it committed, so a request always comes before its answer
and an answer before the saga's outcome). Memory holds one small record per
account and one per request still in flight, never the events themselves.

Read models are compared with what the events say as at each projection's
tracking position, all inside one repeatable-read transaction, so a worker that
keeps running during the check is lag, not a discrepancy.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Max
from django.utils import timezone
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from accounts.application import Accounts
from accounts.domain import ZERO, BankAccount, RejectedTransaction
from accounts.models import AccountSummary, BankTotals, LedgerEntry
from accounts.projections import account_number
from audit.models import LedgerVerification
from bankproject.system import persistence_env
from infrastructure.models import ProjectionTrackingRecord
from sagas.application import Commands, Sagas
from sagas.domain import (
    Command,
    DepositFundsSaga,
    Saga,
    TransferFundsSaga,
    WithdrawFundsSaga,
)
from sagas.models import SagaSummary
from sagas.projections import request_fields

PAGE_SIZE = 1000  # notifications read per query, per log
ROWS_PER_QUERY = 1000  # request rows compared per query
DIGEST_MODULUS = 2**64
ACCOUNT_ROW_FIELDS = (
    "full name",
    "e-mail address",
    "balance",
    "overdraft limit",
    "closed",
    "version",
    "number",
)

REQUEST_ROW_FIELDS = ("saga_id", "kind", "account_id", "to_account_id", "amount", "status", "errors")

# What each check proves, by the name the report gives its discrepancies.
CHECKS = {
    "balance": "every account's balance equals the sum of its transactions",
    "overdraft limit": "no debit took an account below its overdraft limit as it stood then",
    "closed account": "no money moved into or out of a closed account, except refunds",
    "money conserved": "the sum of all balances equals deposits minus withdrawals",
    "transfer": "every transfer's debit is matched by exactly one credit or one refund",
    "applied twice": "no request was carried out twice, and nothing moved without a request",
    "request": "every request moved exactly the money its outcome says",
    "pending": "every request is final, or pending for less than the threshold",
    "read model": "every read-model row equals what the events say",
}


@dataclass
class Discrepancy:
    check: str
    detail: str
    account_id: UUID | None = None
    request_id: UUID | None = None
    notification_id: int | None = None
    application: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, UUID) else v) for k, v in asdict(self).items()}


@dataclass
class Report:
    started_at: datetime
    pending_limit_seconds: float
    finished_at: datetime | None = None
    counts: Counter = field(default_factory=Counter)
    totals: dict[str, str] = field(default_factory=dict)
    positions: dict[str, int] = field(default_factory=dict)
    discrepancies: list[Discrepancy] = field(default_factory=list)

    @property
    def is_consistent(self) -> bool:
        return not self.discrepancies

    @property
    def events_checked(self) -> int:
        return sum(count for name, count in self.counts.items() if name.startswith("events of "))

    def as_dict(self) -> dict[str, Any]:
        return {
            "consistent": self.is_consistent,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at and self.finished_at.isoformat(),
            "pending_limit_seconds": self.pending_limit_seconds,
            "checks": CHECKS,
            "events_checked": self.events_checked,
            "counts": dict(sorted(self.counts.items())),
            "totals": self.totals,
            "positions": self.positions,
            "discrepancies": [d.as_dict() for d in self.discrepancies],
        }


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


class RequestState:
    """A request from its command until its saga ends: what it asked, and what moved."""

    __slots__ = (
        "kind",
        "fields",
        "submitted_at",
        "command_seen",
        "started_seen",
        "awaiting",
        "moves",
        "refund",
    )

    def __init__(self) -> None:
        self.kind: type | None = None  # the saga's class, once started
        self.fields: dict[str, Any] = {}
        self.submitted_at: datetime | None = None
        self.command_seen = False  # by the requests projection
        self.started_seen = False
        self.awaiting: Counter = Counter()  # answers expected from Accounts, by account
        self.moves: list[tuple[UUID, Decimal]] = []
        self.refund = False


def ledger_digest(version, transaction_id, kind, amount, balance_after, counterparty) -> int:
    """One ledger entry's contribution to an order-free digest of an account's ledger."""
    return hash((version, transaction_id, str(kind), amount, balance_after, counterparty)) % DIGEST_MODULUS


class LedgerVerifier:
    def __init__(
        self,
        env: dict[str, str] | None = None,
        pending_limit: timedelta = timedelta(minutes=5),
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        env = env or persistence_env("django")
        self.commands, self.sagas, self.accounts = Commands(env=env), Sagas(env=env), Accounts(env=env)
        self.pending_limit = pending_limit
        self.on_progress = on_progress or (lambda done, total: None)

    def verify(self) -> Report:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # One snapshot for the events, the read models and their positions.
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            return Verification(self).run()


class Verification:
    """One pass over the store (see the module's docstring)."""

    def __init__(self, verifier: LedgerVerifier) -> None:
        self.v = verifier
        self.report = Report(
            started_at=timezone.now(), pending_limit_seconds=verifier.pending_limit.total_seconds()
        )
        self.accounts: dict[UUID, AccountState] = {}
        self.requests: dict[UUID, RequestState] = {}
        self.rows_to_compare: list[tuple[UUID, dict[str, Any]]] = []
        self.request_rows_expected = 0
        self.deposits = ZERO
        self.withdrawals = ZERO

    def discrepancy(self, check: str, detail: str, **where: Any) -> None:
        self.report.discrepancies.append(Discrepancy(check, detail, **where))

    # The stream.

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
        apps = {app.name: app for app in (self.v.commands, self.v.sagas, self.v.accounts)}
        last = max((app.recorder.max_notification_id() or 0) for app in apps.values())
        handlers = {
            "Commands": self.take_command_event,
            "Sagas": self.take_saga_event,
            "Accounts": self.take_account_event,
        }
        counts: Counter = Counter()
        for n, (notification_id, name, domain_event) in enumerate(events_of(apps)):
            counts[name] += 1
            handlers[name](notification_id, domain_event)
            if n % PAGE_SIZE == 0:
                self.v.on_progress(notification_id, last)
        self.report.counts.update({f"events of {name}": count for name, count in counts.items()})
        self.v.on_progress(last, last)
        self.finish()
        self.report.finished_at = timezone.now()
        return self.report

    def read_positions(self) -> dict[tuple[str, str], int]:
        """The projections' positions, in their own table (kept apart from the money
        path's tracking: see infrastructure.models.ProjectionTrackingRecord)."""
        return {
            (row["application_name"], row["upstream_application_name"]): row["position"]
            for row in ProjectionTrackingRecord.objects.filter(
                application_name__in=["AccountsProjection", "SagasProjection"]
            )
            .values("application_name", "upstream_application_name")
            .annotate(position=Max("notification_id"))
        }

    # Commands.

    def take_command_event(self, notification_id: int, event: Any) -> None:
        if not isinstance(event, Command.Created):
            return
        command = event.mutate(None)
        request = self.requests.setdefault(command.id, RequestState())
        request.submitted_at = event.timestamp
        request.fields = request_fields(command)
        request.command_seen = notification_id <= self.commands_position
        self.report.counts["requests"] += 1

    # Sagas.

    def take_saga_event(self, notification_id: int, event: Any) -> None:
        saga_id = event.originator_id
        request = self.requests.get(saga_id)
        if request is None:
            self.discrepancy(
                "applied twice",
                f"{type(event).__qualname__} of a saga with no command, or one already ended",
                request_id=saga_id,
                notification_id=notification_id,
                application="Sagas",
            )
            return
        if isinstance(event, Saga.Created):
            request.kind = resolve_topic(event.originator_topic)
            if not request.fields:  # the command's, unless it is missing: then the saga's own
                request.fields = request_fields(event.mutate(None))
            request.started_seen = notification_id <= self.sagas_position
        elif isinstance(
            event,
            (Saga.CreditRequested, Saga.DebitRequested, Saga.OverdraftLimitRequested, Saga.ClosingRequested),
        ):
            request.awaiting[event.account_id] += 1
        elif isinstance(event, TransferFundsSaga.RefundRequested):
            request.awaiting[event.account_id] += 1
            request.refund = True
        elif isinstance(event, Saga.OpeningRequested):
            request.awaiting[saga_id] += 1
        elif isinstance(event, (Saga.Succeeded, Saga.Errored)):
            self.end_request(saga_id, request, event, notification_id)

    def end_request(self, saga_id: UUID, request: RequestState, event: Any, notification_id: int) -> None:
        succeeded = isinstance(event, Saga.Succeeded)
        amount = request.fields.get("amount")
        debit, credit = request.fields.get("account_id"), request.fields.get("to_account_id")
        expected: Counter = Counter()
        if request.kind is DepositFundsSaga and succeeded:
            expected[(debit, amount)] = 1  # a deposit's account is its credit account
            self.deposits += amount
        elif request.kind is WithdrawFundsSaga and succeeded:
            expected[(debit, -amount)] = 1
            self.withdrawals += amount
        elif request.kind is TransferFundsSaga:
            if succeeded:
                expected.update({(debit, -amount): 1, (credit, amount): 1})
            elif request.refund:
                expected.update({(debit, -amount): 1, (debit, amount): 1})
        moved = Counter(request.moves)
        # As dicts (no count here is zero): Counter's own == walks both in Python.
        moved_as_expected = moved.items() == expected.items()
        if not moved_as_expected:
            check = "transfer" if request.kind is TransferFundsSaga else "request"
            outcome = "succeeded" if succeeded else "failed"
            self.discrepancy(
                check,
                f"{request.fields.get('kind')} {outcome} but moved {describe_moves(moved)}, "
                f"expected {describe_moves(expected)}",
                account_id=debit,
                request_id=saga_id,
                notification_id=notification_id,
                application="Sagas",
            )
        self.report.counts[f"requests {'succeeded' if succeeded else 'failed'}"] += 1
        if request.kind is TransferFundsSaga and moved_as_expected and expected:
            matched_by = "a refund" if request.refund else "a credit"
            self.report.counts[f"transfers matched by {matched_by}"] += 1
        status = SagaSummary.Status.SUCCEEDED if succeeded else SagaSummary.Status.FAILED
        self.expect_request_row(saga_id, request, status if notification_id <= self.sagas_position else None)
        del self.requests[saga_id]

    # Accounts.

    def take_account_event(self, notification_id: int, event: Any) -> None:
        if isinstance(event, RejectedTransaction.Recorded):
            self.take_answer(event.transaction_id, event.account_id, notification_id)
            return
        account_id = event.originator_id
        projected = notification_id <= self.accounts_position
        if isinstance(event, BankAccount.Opened):
            account = self.accounts[account_id] = AccountState(notification_id)
            self.report.counts["accounts"] += 1
            if projected:
                account.row = (
                    event.full_name,
                    event.email_address,
                    ZERO,
                    ZERO,
                    False,
                    event.originator_version,
                )
            self.take_answer(event.transaction_id, account_id, notification_id)
            return
        account = self.accounts.get(account_id)
        if account is None:
            self.discrepancy(
                "balance",
                f"{type(event).__qualname__} of an account never opened",
                account_id=account_id,
                notification_id=notification_id,
                application="Accounts",
            )
            return
        if isinstance(event, BankAccount.TransactionAppended):
            self.take_transaction(account_id, account, event, notification_id, projected)
        elif isinstance(event, BankAccount.OverdraftLimitSet):
            account.overdraft_limit = event.overdraft_limit
        elif isinstance(event, BankAccount.Closed):
            account.is_closed = True
        if projected and not isinstance(event, BankAccount.ErrorRecorded):
            name, email = account.row[:2]
            account.row = (
                name,
                email,
                account.balance,
                account.overdraft_limit,
                account.is_closed,
                event.originator_version,
            )
        amount = event.amount if isinstance(event, BankAccount.TransactionAppended) else None
        self.take_answer(event.transaction_id, account_id, notification_id, amount)

    def take_transaction(
        self, account_id: UUID, account: AccountState, event: Any, notification_id: int, projected: bool
    ) -> None:
        where = {
            "account_id": account_id,
            "request_id": event.transaction_id,
            "notification_id": notification_id,
            "application": "Accounts",
        }
        self.report.counts["transactions"] += 1
        was_closed = account.is_closed
        account.balance += event.amount
        if event.amount < 0 and account.balance < -account.overdraft_limit:
            self.discrepancy(
                "overdraft limit",
                f"a debit of {-event.amount} left the balance at {account.balance}, "
                f"below the overdraft limit of {account.overdraft_limit}",
                **where,
            )
        kind, counterparty = self.describe_transaction(account_id, event)
        if was_closed and kind != LedgerEntry.Kind.REFUND:
            self.discrepancy("closed account", f"a {kind} of {event.amount} on a closed account", **where)
        if projected:
            account.ledger_entries += 1
            account.ledger_digest += ledger_digest(
                event.originator_version,
                event.transaction_id,
                kind,
                event.amount,
                account.balance,
                counterparty,
            )

    def describe_transaction(self, account_id: UUID, event: Any) -> tuple[str, UUID | None]:
        """The ledger's kind of entry and other account, as the accounts projection says them."""
        request = self.requests.get(event.transaction_id) if event.transaction_id else None
        kind = request.kind if request is not None else self.started_saga_kind(event.transaction_id)
        fields = request.fields if request is not None else {}
        if kind is TransferFundsSaga:
            debit, credit = fields.get("account_id"), fields.get("to_account_id")
            if request is None:  # found only for the ledger's words: see started_saga_kind
                saga = self.v.sagas.repository.get(event.transaction_id, version=1)
                debit, credit = saga.debit_account_id, saga.credit_account_id
            if account_id == credit:
                return LedgerEntry.Kind.TRANSFER_IN, debit
            if event.amount > 0:
                return LedgerEntry.Kind.REFUND, credit
            return LedgerEntry.Kind.TRANSFER_OUT, credit
        return (LedgerEntry.Kind.DEPOSIT if event.amount > 0 else LedgerEntry.Kind.WITHDRAWAL), None

    def started_saga_kind(self, saga_id: UUID | None) -> type | None:
        """A saga no longer in flight, read back: only for money that moved out of turn."""
        if saga_id is None:
            return None
        try:
            return type(self.v.sagas.repository.get(saga_id, version=1))
        except AggregateNotFoundError:
            return None

    def take_answer(
        self, saga_id: UUID | None, account_id: UUID, notification_id: int, amount: Decimal | None = None
    ) -> None:
        """Accounts' answer to a saga's request: expected once, and only while asked."""
        if saga_id is None:
            return  # a direct action on Accounts, asked by no saga
        request = self.requests.get(saga_id)
        if request is None or request.awaiting[account_id] == 0:
            self.discrepancy(
                "applied twice",
                self.describe_unasked_answer(saga_id, account_id),
                account_id=account_id,
                request_id=saga_id,
                notification_id=notification_id,
                application="Accounts",
            )
            return
        request.awaiting[account_id] -= 1
        if amount is not None:
            request.moves.append((account_id, amount))

    def describe_unasked_answer(self, saga_id: UUID, account_id: UUID) -> str:
        """Why an answer was not expected: read back (rare) to name it exactly."""
        answers = []
        if account_id in self.accounts:
            history = self.v.accounts.repository.event_store.get(account_id)
            answers = [e for e in history if getattr(e, "transaction_id", None) == saga_id]
        if len(answers) > 1:
            return (
                f"transaction applied twice: request {saga_id} has {len(answers)} answers on this account "
                f"({', '.join(f'{type(e).__qualname__} v{e.originator_version}' for e in answers)})"
            )
        return f"an answer to request {saga_id}, which was not waiting for one from this account"

    # The end.

    def finish(self) -> None:
        now = self.report.started_at
        in_flight = ZERO
        for saga_id, request in list(self.requests.items()):
            in_flight += sum((amount for _, amount in request.moves), ZERO)
            self.report.counts["requests pending"] += 1
            if request.submitted_at is not None and now - request.submitted_at >= self.v.pending_limit:
                self.discrepancy(
                    "pending",
                    f"{request.fields.get('kind')} pending since {request.submitted_at.isoformat()}",
                    account_id=request.fields.get("account_id"),
                    request_id=saga_id,
                    application="Sagas",
                )
            self.expect_request_row(saga_id, request, SagaSummary.Status.PENDING)
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

    def expect_request_row(self, saga_id: UUID, request: RequestState, status: str | None) -> None:
        """Queues the comparison of a request's row; status None: its last status is not yet projected."""
        if not (request.command_seen or request.started_seen):
            return  # not yet projected
        self.request_rows_expected += 1
        if status is None:
            status = SagaSummary.Status.PENDING
        self.rows_to_compare.append((saga_id, {**request.fields, "status": status}))
        if len(self.rows_to_compare) >= ROWS_PER_QUERY:
            self.compare_request_rows()

    def compare_request_rows(self) -> None:
        expected = dict(self.rows_to_compare)
        self.rows_to_compare = []
        rows = {
            row["saga_id"]: row
            for row in SagaSummary.objects.filter(saga_id__in=list(expected)).values(*REQUEST_ROW_FIELDS)
        }
        for saga_id, fields in expected.items():
            self.report.counts["request rows compared"] += 1
            row = rows.get(saga_id)
            if row is None:
                self.discrepancy("read model", "request has no row", request_id=saga_id)
                continue
            differences = [
                f"{name} is {row[name]!r}, events say {value!r}"
                for name, value in fields.items()
                if row[name] != value
            ]
            if bool(row["errors"]) != (fields["status"] == SagaSummary.Status.FAILED):
                differences.append("its reason for failing does not match its status")
            if differences:
                self.discrepancy("read model", f"request row: {'; '.join(differences)}", request_id=saga_id)

    def compare_account_rows(self) -> None:
        for row in in_pages(AccountSummary.objects.all(), pk=lambda row: row.pk):
            self.report.counts["account rows compared"] += 1
            account = self.accounts.get(row.account_id)
            if account is None or account.row is None:
                self.discrepancy(
                    "read model",
                    f"row {row.number} for an account the events do not have (yet)",
                    account_id=row.account_id,
                )
                continue
            account.has_row = True
            full_name, email_address, balance, limit, is_closed, version = account.row
            number = account_number(account.opened_at_notification)
            actual = (
                row.full_name,
                row.email_address,
                row.balance,
                row.overdraft_limit,
                row.is_closed,
                row.version,
                row.number,
            )
            expected = (full_name, email_address, balance, limit, is_closed, version, number)
            if actual != expected:
                differences = [
                    f"{name} is {a}, events say {e}"
                    for name, a, e in zip(ACCOUNT_ROW_FIELDS, actual, expected, strict=True)
                    if a != e
                ]
                check = "balance" if balance != row.balance else "read model"
                self.discrepancy(
                    check, f"account {row.number}: {'; '.join(differences)}", account_id=row.account_id
                )
        entries = LedgerEntry.objects.values_list(
            "pk",
            "account_id",
            "version",
            "transaction_id",
            "kind",
            "amount",
            "balance_after",
            "counterparty_account_id",
        )
        for _, *entry in in_pages(entries):
            self.report.counts["ledger entries compared"] += 1
            account = self.accounts.get(entry[0])
            if account is None:
                self.discrepancy(
                    "read model", "a ledger entry of an account the events do not have", account_id=entry[0]
                )
                continue
            account.rows_entries += 1
            account.rows_digest += ledger_digest(*entry[1:])
        projected_count, projected_total = 0, ZERO
        for account_id, account in self.accounts.items():
            if account.row is None:
                continue
            projected_count += 1
            projected_total += account.row[2]
            if not account.has_row:
                self.discrepancy("read model", "account has no row", account_id=account_id)
            if (account.ledger_entries, account.ledger_digest % DIGEST_MODULUS) != (
                account.rows_entries,
                account.rows_digest % DIGEST_MODULUS,
            ):
                self.discrepancy(
                    "read model", self.describe_ledger_difference(account_id), account_id=account_id
                )
        totals = BankTotals.objects.filter(pk=BankTotals.ROW).first()
        actual = (totals.account_count, totals.total_balance) if totals else (0, ZERO)
        if actual != (projected_count, projected_total):
            self.discrepancy(
                "read model",
                f"bank totals say {actual[0]} accounts holding {actual[1]}; "
                f"events say {projected_count} holding {projected_total}",
            )
        if SagaSummary.objects.count() != self.request_rows_expected:
            self.discrepancy(
                "read model",
                f"{SagaSummary.objects.count()} request rows, events say {self.request_rows_expected}",
            )

    def describe_ledger_difference(self, account_id: UUID) -> str:
        """Names the ledger entries that differ (read back for this account only)."""
        rows = {
            e.version: (e.transaction_id, str(e.kind), e.amount, e.balance_after)
            for e in LedgerEntry.objects.filter(account_id=account_id)
        }
        projected_version = self.accounts[account_id].row[5]
        expected, balance = {}, ZERO
        for event in self.v.accounts.repository.event_store.get(account_id, lte=projected_version):
            if isinstance(event, BankAccount.TransactionAppended):
                balance += event.amount
                kind, _ = self.describe_transaction(account_id, event)
                expected[event.originator_version] = (event.transaction_id, str(kind), event.amount, balance)
        missing = sorted(set(expected) - set(rows))
        extra = sorted(set(rows) - set(expected))
        different = sorted(v for v in set(rows) & set(expected) if rows[v] != expected[v])
        parts = []
        if missing:
            parts.append(f"ledger entries missing for versions {missing}")
        if extra:
            parts.append(f"ledger entries with no transaction at versions {extra}")
        if different:
            parts.append(f"ledger entries that differ from their transactions at versions {different}")
        return "; ".join(parts) or "ledger entries differ from their transactions (counterparty)"


def events_of(apps: dict[str, Application]) -> Iterator[tuple[int, str, Any]]:
    """Every event of the applications, by name, in notification-id order (their ids come
    from one sequence)."""
    return heapq.merge(*(events_of_one(name, app) for name, app in apps.items()), key=itemgetter(0))


def events_of_one(name: str, app: Application) -> Iterator[tuple[int, str, Any]]:
    """An application's events in notification-id order, a page of rows per SQL query.

    Rows are read as plain tuples and decoded by the application's own mapper: the
    recorder's select_notifications builds a Django model object and a Notification per
    row, and that was most of a verification's time. One query per application, not one
    for all: each then reads just its page through the (application_name, id) index,
    where SQLite sorts every remaining row of the three to find one page.
    """
    recorder = app.recorder
    db = connections[recorder.using or DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    columns = ", ".join(quote(c) for c in ("id", "originator_id", "originator_version", "topic", "state"))
    sql = (
        f"SELECT {columns} FROM {quote(recorder.model._meta.db_table)} "
        f"WHERE {quote('application_name')} = %s AND {quote('id')} > %s "
        f"ORDER BY {quote('id')} LIMIT {PAGE_SIZE}"
    )
    to_domain_event = app.mapper.to_domain_event
    last = 0
    with db.cursor() as cursor:
        while True:
            cursor.execute(sql, [name, last])
            page = cursor.fetchall()
            for notification_id, originator_id, version, topic, state in page:
                # PostgreSQL gives a UUID and bytea as memoryview; SQLite and MySQL, hex and bytes.
                if type(originator_id) is not UUID:
                    originator_id = UUID(originator_id)
                if type(state) is memoryview:
                    state = bytes(state)
                stored = StoredEvent(originator_id, version, topic, state)
                yield notification_id, name, to_domain_event(stored)
            if len(page) < PAGE_SIZE:
                return
            last = page[-1][0]


def in_pages(rows: Any, size: int = 1000, pk: Callable[[Any], Any] = lambda row: row[0]) -> Iterator[Any]:
    """Every row, a page at a time by primary key (pk reads it from a row; by default the
    first value of a values_list): QuerySet.iterator() on MySQL holds the whole result in
    the client."""
    last = None
    while True:
        page = list((rows if last is None else rows.filter(pk__gt=last)).order_by("pk")[:size])
        yield from page
        if len(page) < size:
            return
        last = pk(page[-1])


def describe_moves(moves: Counter) -> str:
    if not moves:
        return "nothing"
    return ", ".join(
        f"{amount:+} on {account_id}" + (f" ×{count}" if count > 1 else "")
        for (account_id, amount), count in moves.items()
    )


def verify_and_record(
    verification: LedgerVerification | None = None,
    pending_limit: timedelta = timedelta(minutes=5),
    on_progress: Callable[[int, int], None] | None = None,
) -> tuple[LedgerVerification, Report]:
    """Runs a verification and keeps its outcome and report (a new row unless one was requested)."""
    now = timezone.now()
    if verification is None:
        verification = LedgerVerification.objects.create(
            requested_at=now, status=LedgerVerification.Status.RUNNING
        )
    verification.started_at = now
    verification.save(update_fields=["started_at"])
    try:
        report = LedgerVerifier(pending_limit=pending_limit, on_progress=on_progress).verify()
    except Exception:
        verification.status, verification.outcome = (
            LedgerVerification.Status.DONE,
            LedgerVerification.Outcome.FAILED,
        )
        verification.finished_at = timezone.now()
        verification.save(update_fields=["status", "outcome", "finished_at"])
        raise
    verification.status = LedgerVerification.Status.DONE
    verification.outcome = (
        LedgerVerification.Outcome.CONSISTENT
        if report.is_consistent
        else LedgerVerification.Outcome.DISCREPANCIES
    )
    verification.finished_at = report.finished_at
    verification.events_checked = report.events_checked
    verification.discrepancy_count = len(report.discrepancies)
    verification.report = report.as_dict()
    verification.save()
    return verification, report


def claim_requested_verification() -> LedgerVerification | None:
    """The oldest verification auditors asked for, now marked running; None if none waits.

    Claimed with a conditional update, so that two workers never run the same one.
    """
    for verification in LedgerVerification.objects.filter(
        status=LedgerVerification.Status.REQUESTED
    ).order_by("requested_at", "pk")[:5]:
        claimed = LedgerVerification.objects.filter(
            pk=verification.pk, status=LedgerVerification.Status.REQUESTED
        ).update(status=LedgerVerification.Status.RUNNING)
        if claimed:
            verification.status = LedgerVerification.Status.RUNNING
            return verification
    return None


def run_requested_verifications(pending_limit: timedelta = timedelta(minutes=5)) -> list[LedgerVerification]:
    """Runs every requested verification, oldest first."""
    done = []
    while (verification := claim_requested_verification()) is not None:
        done.append(verify_and_record(verification, pending_limit)[0])
    return done
