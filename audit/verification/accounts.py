"""Accounts' events: balances, overdraft limits, closings, and the ledger they make."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal

from accounts.domain import ZERO, BankAccount, RejectedTransaction
from accounts.models import LedgerEntry
from audit.verification.events import amount_of, as_uuid, hex_of
from sagas.domain import TransferFundsSaga

# The ledger's kinds of entry, as the plain text its rows hold.
Kind = LedgerEntry.Kind
DEPOSIT, WITHDRAWAL, REFUND = Kind.DEPOSIT.value, Kind.WITHDRAWAL.value, Kind.REFUND.value
TRANSFER_IN, TRANSFER_OUT = Kind.TRANSFER_IN.value, Kind.TRANSFER_OUT.value


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
        self.row: tuple | None = None  # what its AccountSummary row should hold (but its number)
        self.ledger_entries = 0  # ledger entries its row should have, and their digest
        self.ledger_digest = 0
        self.rows_entries = 0  # what the ledger table has
        self.rows_digest = 0
        self.has_row = False

    def row_projected_at(self, version: int) -> None:
        """The row as the accounts projection leaves it after this account's version."""
        name, email_address = self.row[0], self.row[1]
        self.row = (name, email_address, self.balance, self.overdraft_limit, self.is_closed, version)


class AccountChecks:
    """Verification's handling of Accounts' events (mixed into Verification)."""

    accounts: dict[str, AccountState]

    def account_handler(self, cls: type) -> Callable[[int, str, int, dict], None]:
        """What to do with an Accounts event of class cls: (notification id, account id, version, state)."""
        if issubclass(cls, RejectedTransaction.Recorded):
            return self.take_rejection
        if issubclass(cls, BankAccount.Opened):
            return self.take_opening
        if issubclass(cls, BankAccount.TransactionAppended):
            return functools.partial(self.take_transaction, cls)
        if issubclass(cls, BankAccount.OverdraftLimitSet):
            change = "limit"
        elif issubclass(cls, BankAccount.Closed):
            change = "closed"
        elif issubclass(cls, BankAccount.ErrorRecorded):
            change = "error"  # an answer that changes neither the account nor its row
        else:
            change = ""
        return functools.partial(self.take_account_change, cls, change)

    def take_rejection(self, notification_id: int, originator_id: str, version: int, state: dict) -> None:
        self.take_answer(hex_of(state["transaction_id"]), hex_of(state["account_id"]), notification_id)

    def take_opening(self, notification_id: int, account_id: str, version: int, state: dict) -> None:
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

    def take_transaction(
        self, cls: type, notification_id: int, account_id: str, version: int, state: dict
    ) -> None:
        account = self.account_of(account_id, notification_id, cls)
        if account is None:
            return
        amount = amount_of(state["amount"])
        transaction_id = hex_of(state.get("transaction_id"))
        self.check_transaction(account_id, account, version, amount, transaction_id, notification_id)
        if notification_id <= self.accounts_position:
            account.row_projected_at(version)
        self.take_answer(transaction_id, account_id, notification_id, amount)

    def take_account_change(
        self, cls: type, change: str, notification_id: int, account_id: str, version: int, state: dict
    ) -> None:
        account = self.account_of(account_id, notification_id, cls)
        if account is None:
            return
        if change == "limit":
            account.overdraft_limit = amount_of(state["overdraft_limit"])
        elif change == "closed":
            account.is_closed = True
        if notification_id <= self.accounts_position and change != "error":
            account.row_projected_at(version)
        self.take_answer(hex_of(state.get("transaction_id")), account_id, notification_id)

    def check_transaction(
        self,
        account_id: str,
        account: AccountState,
        version: int,
        amount: Decimal,
        transaction_id: str | None,
        notification_id: int,
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
        if was_closed and kind != REFUND:
            self.discrepancy("closed account", f"a {kind} of {amount} on a closed account", **where)
        if notification_id <= self.accounts_position:
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
                return TRANSFER_IN, debit
            if amount > 0:
                return REFUND, credit
            return TRANSFER_OUT, credit
        return (DEPOSIT if amount > 0 else WITHDRAWAL), None
