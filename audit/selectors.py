"""What auditors read: an account as it stood at a moment (from the event store), and verifications."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from accounts.application import Accounts
from accounts.domain import ZERO, BankAccount
from accounts.models import LedgerEntry
from audit.models import LedgerVerification
from bankproject.system import persistence_env

EVENTS_PER_QUERY = 500


@functools.cache
def recorded_accounts() -> Accounts:
    """The Accounts application, read (never run) by the web process."""
    return Accounts(env=persistence_env("django"))


@dataclass(frozen=True)
class StatementLine:
    version: int
    recorded_at: datetime
    kind: str
    amount: Decimal
    balance_after: Decimal
    transaction_id: UUID | None


@dataclass(frozen=True)
class AccountAsAt:
    moment: datetime
    version: int  # the last account event at or before the moment; 0: not yet opened
    balance: Decimal = ZERO
    overdraft_limit: Decimal = ZERO
    is_closed: bool = False
    lines: list[StatementLine] = field(default_factory=list)  # newest first

    @property
    def is_opened(self) -> bool:
        return self.version > 0

    @property
    def status(self) -> str:
        if not self.is_opened:
            return "not yet opened"
        return "closed" if self.is_closed else "open"


def account_as_at(account_id: UUID, moment: datetime, lines: int | None = 50) -> AccountAsAt:
    """The account as it stood at the moment, with its newest statement lines up to then
    (all of them if lines is None), from the account's events."""
    accounts = recorded_accounts()
    version = version_at(accounts, account_id, moment)
    if version == 0:
        return AccountAsAt(moment=moment, version=0)
    account: BankAccount = accounts.repository.get(account_id, version=version)
    return AccountAsAt(
        moment=moment,
        version=version,
        balance=account.balance,
        overdraft_limit=account.overdraft_limit,
        is_closed=account.is_closed,
        lines=list(statement_to(accounts, account_id, version, account.balance, lines)),
    )


def version_at(accounts: Accounts, account_id: UUID, moment: datetime) -> int:
    """The version of the account's last event at or before the moment (0 if none).

    Timestamps are in the events' state, not in a column, and grow with the
    version: a binary search reads a few single events, however long the history.
    """
    newest = list(accounts.repository.event_store.get(account_id, desc=True, limit=1))
    if not newest:
        return 0
    low, high = 0, newest[0].originator_version  # the answer is in [low, high]
    while low < high:
        middle = (low + high + 1) // 2
        [event] = accounts.repository.event_store.get(account_id, gt=middle - 1, lte=middle)
        if event.timestamp <= moment:
            low = middle
        else:
            high = middle - 1
    return low


def statement_to(
    accounts: Accounts, account_id: UUID, version: int, balance: Decimal, limit: int | None
) -> Iterator[StatementLine]:
    """The account's transactions up to version, newest first, each with the balance after it."""
    found = 0
    upper = version
    while upper > 0 and (limit is None or found < limit):
        events = list(
            accounts.repository.event_store.get(account_id, lte=upper, desc=True, limit=EVENTS_PER_QUERY)
        )
        transactions = [e for e in events if isinstance(e, BankAccount.TransactionAppended)]
        kinds = dict(
            LedgerEntry.objects.filter(
                account_id=account_id, version__in=[e.originator_version for e in transactions]
            ).values_list("version", "kind")
        )
        for event in transactions:
            if limit is not None and found == limit:
                return
            yield StatementLine(
                version=event.originator_version,
                recorded_at=event.timestamp,
                kind=kinds.get(event.originator_version) or ("credit" if event.amount > 0 else "debit"),
                amount=event.amount,
                balance_after=balance,
                transaction_id=event.transaction_id,
            )
            balance -= event.amount
            found += 1
        if len(events) < EVENTS_PER_QUERY:
            return
        upper = events[-1].originator_version - 1


def latest_verification() -> LedgerVerification | None:
    """The last verification that finished, whatever its outcome."""
    return (
        LedgerVerification.objects.filter(status=LedgerVerification.Status.DONE)
        .order_by("-finished_at")
        .first()
    )


def verifications_waiting() -> int:
    return LedgerVerification.objects.exclude(status=LedgerVerification.Status.DONE).count()
