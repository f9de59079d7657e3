"""The refusals of the bank's domain, and how they are stored in events.

Each error carries one dict argument (the account, the reason, the balance...).
They are stored by class name (see TransactionErrorAsDict), so they may move
between modules without changing stored events.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import JSONTranscoder, Transcoding


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


class BalanceCeilingError(TransactionError):
    """The credit would take the balance above MAXIMUM_BALANCE."""


class BalanceNotZeroError(TransactionError):
    """A close request for an account that holds or owes money (its balance is in the error)."""


class InvalidDetailsError(TransactionError, ValueError):
    """A request's details that the bank cannot record: a name too long, an address
    that is not an e-mail address, an empty request id. Raised when the request is
    made, never stored."""


def shown(value: Any) -> str:
    """The value as an error shows it: short, whatever it is (str() of a huge int raises)."""
    try:
        text = str(value)
    except ValueError:
        return "a number too long to show"
    return text if len(text) <= 60 else text[:57] + "..."


TRANSACTION_ERRORS: tuple[type[TransactionError], ...] = (
    TransactionError,
    AccountClosedError,
    InsufficientFundsError,
    AccountNotFoundError,
    InvalidAmountError,
    SameAccountError,
    BalanceCeilingError,
    BalanceNotZeroError,
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
