"""Applications that own BankAccount aggregates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import JSONTranscoder

from accounts.domain import (
    AccountNotFoundError,
    BankAccount,
    SameAccountError,
    parse_amount,
    register_transaction_errors,
)

# Every this-many events an account is snapshotted, so that loading it
# replays at most this many events however long its history.
ACCOUNT_SNAPSHOT_INTERVAL = 100


class BankAccountApplication(Application):
    """What every application that holds BankAccount aggregates can do directly."""

    snapshotting_intervals = {BankAccount: ACCOUNT_SNAPSHOT_INTERVAL}

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_transaction_errors(transcoder)

    def create_account(self, full_name: str = "", email_address: str = "") -> UUID:
        account = BankAccount(full_name=full_name, email_address=email_address)
        self.save(account)
        return account.id

    def get_account(self, account_id: UUID) -> BankAccount:
        try:
            return self.repository.get(account_id)
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
