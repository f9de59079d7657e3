"""The bank account domain: the BankAccount aggregate, money rules and domain errors.

Nothing here knows about Django or databases.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder, Transcoding

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAXIMUM_AMOUNT = Decimal("1000000000.00")


class TransactionError(Exception):
    """A request the bank refuses. Raised with one dict argument.

    Two errors are equal when they have the same type and arguments, so that an
    error that has been stored in an event and read back equals the original.
    """

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.args == other.args  # type: ignore[union-attr]

    def __hash__(self) -> int:
        return hash((type(self), repr(self.args)))


class AccountClosedError(TransactionError):
    """The account is closed: it can be read but no longer changed."""


class InsufficientFundsError(TransactionError):
    """The debit would take the balance below minus the overdraft limit."""


class AccountNotFoundError(TransactionError):
    """No account has this id."""


class InvalidAmountError(TransactionError, ValueError):
    """The amount is not a positive number of pounds and pence within the bank's range."""


class SameAccountError(TransactionError):
    """A transfer's debit and credit accounts are the same account."""


def parse_money(value: Any, *, positive: bool) -> Decimal:
    """Returns value as a two-place Decimal, or raises InvalidAmountError.

    Accepts Decimal, int and numeric strings. Refuses floats (they cannot hold
    money exactly), booleans, values that are not finite, values that would
    change when rounded to two places, values above MAXIMUM_AMOUNT and negative
    values; with positive=True also zero.
    """

    def invalid(reason: str) -> InvalidAmountError:
        return InvalidAmountError({"amount": str(value), "reason": reason})

    if isinstance(value, bool) or isinstance(value, float):
        raise invalid("not an exact decimal number")
    if isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise invalid("not a number") from None
    elif isinstance(value, (Decimal, int)):
        amount = Decimal(value)
    else:
        raise invalid("not a number")
    if not amount.is_finite():
        raise invalid("not a number")
    if amount > MAXIMUM_AMOUNT:
        raise invalid("more than 1,000,000,000.00")
    if amount < ZERO or (positive and amount == ZERO):
        raise invalid("must be more than zero" if positive else "must not be negative")
    rounded = amount.quantize(CENT)
    if rounded != amount:
        raise invalid("more than two decimal places")
    return rounded


def parse_amount(value: Any) -> Decimal:
    """The amount of a deposit, withdrawal or transfer: above zero."""
    return parse_money(value, positive=True)


def parse_overdraft_limit(value: Any) -> Decimal:
    """An overdraft limit: zero or more."""
    return parse_money(value, positive=False)


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
        self.check_account_is_not_closed()
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


TRANSACTION_ERRORS: tuple[type[TransactionError], ...] = (
    TransactionError,
    AccountClosedError,
    InsufficientFundsError,
    AccountNotFoundError,
    InvalidAmountError,
    SameAccountError,
)


class TransactionErrorAsDict(Transcoding):
    """Stores one TransactionError class as its dict argument.

    eventsourcing's JSONTranscoder looks transcodings up by exact type, so each
    error class gets its own instance (see register_transaction_errors).
    """

    def __init__(self, error_class: type[TransactionError]) -> None:
        self.type = error_class
        self.name = error_class.__name__

    def encode(self, obj: TransactionError) -> Any:
        return obj.args[0] if obj.args else {}

    def decode(self, data: Any) -> TransactionError:
        return self.type(data)


def register_transaction_errors(transcoder: JSONTranscoder) -> None:
    for error_class in TRANSACTION_ERRORS:
        transcoder.register(TransactionErrorAsDict(error_class))
