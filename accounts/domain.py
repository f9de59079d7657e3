"""The bank account domain: the BankAccount aggregate, the details a request may
carry, and (from their own modules, named here too) money and the domain's errors.

Nothing here knows about Django or databases.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from accounts.errors import (
    TRANSACTION_ERRORS,
    AccountClosedError,
    AccountNotFoundError,
    BalanceCeilingError,
    BalanceNotZeroError,
    InsufficientFundsError,
    InvalidAmountError,
    InvalidDetailsError,
    SameAccountError,
    TransactionError,
    register_transaction_errors,
    shown,
)
from accounts.money import (
    CENT,
    MAXIMUM_AMOUNT,
    ZERO,
    parse_amount,
    parse_money,
    parse_overdraft_limit,
)

# Named here for code that knows the domain as one module.
__all__ = [
    "CENT",
    "MAXIMUM_AMOUNT",
    "MAXIMUM_BALANCE",
    "MAXIMUM_EMAIL_LENGTH",
    "MAXIMUM_NAME_LENGTH",
    "TRANSACTION_ERRORS",
    "ZERO",
    "AccountClosedError",
    "AccountNotFoundError",
    "BalanceCeilingError",
    "BalanceNotZeroError",
    "BankAccount",
    "InsufficientFundsError",
    "InvalidAmountError",
    "InvalidDetailsError",
    "RejectedTransaction",
    "SameAccountError",
    "TransactionError",
    "check_text",
    "parse_account_id",
    "parse_amount",
    "parse_email_address",
    "parse_full_name",
    "parse_money",
    "parse_overdraft_limit",
    "register_transaction_errors",
]

# The most an account may hold: a credit that would take a balance past it is
# refused. Balance columns hold 9,999,999,999,999.99, so that refunds (never
# refused: the money was the account's) still fit above the ceiling.
MAXIMUM_BALANCE = Decimal("100000000000.00")
MAXIMUM_NAME_LENGTH = 200  # as AccountSummary.full_name holds
MAXIMUM_EMAIL_LENGTH = 254  # as AccountSummary.email_address holds (RFC 5321's path limit)


def check_text(field: str, value: Any, longest: int, *, required: bool = False) -> str:
    """value, if it is text the bank can record in that field: at most longest
    characters, no control characters (a database may refuse them), and not empty
    when required."""

    def invalid(reason: str) -> InvalidDetailsError:
        return InvalidDetailsError({"field": field, "reason": reason})

    if not isinstance(value, str):
        raise invalid("must be text")
    if len(value) > longest:
        raise invalid(f"longer than {longest} characters")
    if required and not value.strip():
        raise invalid("must not be empty")
    if any(unicodedata.category(character) in ("Cc", "Cs") for character in value):
        raise invalid("contains control characters")
    return value


# An e-mail address as far as the bank must know: something@domain.name, with no
# spaces; forms check more (Django's EmailValidator).
EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+")


def parse_full_name(value: Any) -> str:
    return check_text("full_name", value, MAXIMUM_NAME_LENGTH)


def parse_email_address(value: Any) -> str:
    address = check_text("email_address", value, MAXIMUM_EMAIL_LENGTH)
    if address and not EMAIL_ADDRESS.fullmatch(address):
        raise InvalidDetailsError({"field": "email_address", "reason": "not an e-mail address"})
    return address


def parse_account_id(value: Any) -> UUID:
    """An account id given as a UUID or its text; anything else names no account."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(value) if isinstance(value, str) else UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise AccountNotFoundError({"account_id": shown(value)}) from None


class BankAccount(Aggregate):
    """A customer's account: a balance that moves only by appended transactions."""

    # Events that a saga caused carry its id as transaction_id; the others carry None.

    @event("Opened")
    def __init__(
        self,
        full_name: str = "",
        email_address: str = "",
        transaction_id: UUID | None = None,
        id: UUID | None = None,  # the opening request's id, else a new one
    ) -> None:
        self.full_name = full_name
        self.email_address = email_address
        self.balance = ZERO
        self.overdraft_limit = ZERO
        self.is_closed = False

    def credit(self, amount: Any, transaction_id: UUID | None = None) -> None:
        amount = parse_amount(amount)
        self.check_account_is_not_closed()
        self.check_balance_stays_within_ceiling(amount)
        self.append_transaction(amount, transaction_id)

    def debit(self, amount: Any, transaction_id: UUID | None = None) -> None:
        amount = parse_amount(amount)
        self.check_account_is_not_closed()
        self.check_has_sufficient_funds(amount)
        self.append_transaction(-amount, transaction_id)

    def refund(self, amount: Any, transaction_id: UUID) -> None:
        """Gives back a debit whose transfer could not be completed.

        Allowed on a closed account: the money was taken from it, it goes back.
        """
        self.append_transaction(parse_amount(amount), transaction_id)

    @event("TransactionAppended")
    def append_transaction(self, amount: Decimal, transaction_id: UUID | None = None) -> None:
        self.balance += amount

    def set_overdraft_limit(self, overdraft_limit: Any, transaction_id: UUID | None = None) -> None:
        overdraft_limit = parse_overdraft_limit(overdraft_limit)
        self.check_account_is_not_closed()
        self._set_overdraft_limit(overdraft_limit, transaction_id)

    @event("OverdraftLimitSet")
    def _set_overdraft_limit(self, overdraft_limit: Decimal, transaction_id: UUID | None = None) -> None:
        self.overdraft_limit = overdraft_limit

    def close(self, transaction_id: UUID | None = None) -> None:
        """Closes the account whatever its balance (the seed's rule, for direct use)."""
        self.check_account_is_not_closed()
        self._close(transaction_id)

    def close_if_balance_is_zero(self, transaction_id: UUID | None = None) -> None:
        """What a teller's close request does: money held or owed would be stranded."""
        self.check_account_is_not_closed()
        self.check_balance_is_zero()
        self._close(transaction_id)

    @event("Closed")
    def _close(self, transaction_id: UUID | None = None) -> None:
        self.is_closed = True

    @event("ErrorRecorded")
    def record_error(self, error: TransactionError, transaction_id: UUID) -> None:
        """Keeps a refused request on the account, so whoever asked can see why."""

    @property
    def available_to_withdraw(self) -> Decimal:
        return max(self.balance + self.overdraft_limit, ZERO)

    def check_account_is_not_closed(self) -> None:
        if self.is_closed:
            raise AccountClosedError({"account_id": self.id})

    def check_has_sufficient_funds(self, amount: Decimal) -> None:
        if self.balance - amount < -self.overdraft_limit:
            raise InsufficientFundsError({"account_id": self.id})

    def check_balance_stays_within_ceiling(self, amount: Decimal) -> None:
        if self.balance + amount > MAXIMUM_BALANCE:
            raise BalanceCeilingError({"account_id": self.id})

    def check_balance_is_zero(self) -> None:
        if self.balance != ZERO:
            raise BalanceNotZeroError({"account_id": self.id, "balance": self.balance})


class RejectedTransaction(Aggregate):
    """A saga's request about an account the bank does not have.

    With no account to record the error on, it is recorded here, so that the
    saga sees it like any other refusal. One per transaction and account.
    """

    @staticmethod
    def create_id(transaction_id: UUID, account_id: UUID) -> UUID:
        return uuid5(transaction_id, str(account_id))

    @event("Recorded")
    def __init__(self, transaction_id: UUID, account_id: UUID, error: TransactionError) -> None:
        self.transaction_id = transaction_id
        self.account_id = account_id
        self.error = error
