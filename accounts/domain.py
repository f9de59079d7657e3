"""The bank account domain: the BankAccount aggregate, money rules and domain errors.

Nothing here knows about Django or databases.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import JSONTranscoder, Transcoding

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAXIMUM_AMOUNT = Decimal("1000000000.00")  # the most one deposit, withdrawal, transfer or limit may be
# The most an account may hold: a credit that would take a balance past it is
# refused. Balance columns hold 9,999,999,999,999.99, so that refunds (never
# refused: the money was the account's) still fit above the ceiling.
MAXIMUM_BALANCE = Decimal("100000000000.00")
MAXIMUM_NAME_LENGTH = 200  # as AccountSummary.full_name holds
MAXIMUM_EMAIL_LENGTH = 254  # as AccountSummary.email_address holds (RFC 5321's path limit)


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


# Money as typed, read strictly: ASCII digits, grouped in threes by commas or not
# at all, then a point and one or two digits for pence, or nothing.
MONEY_GRAMMAR = re.compile(r"(?:[0-9]+|[1-9][0-9]{0,2}(?:,[0-9]{3})+)(?:\.[0-9]{1,2})?")
# A comma used as the decimal mark, as in 2,50 or 1.000,50.
DECIMAL_COMMA = re.compile(r"(?P<pounds>[0-9][0-9.]*),(?P<pence>[0-9]{1,2})")
LONGEST_AMOUNT_TEXT = 40  # far longer than any amount the bank can hold, typed with separators


def shown(value: Any) -> str:
    """The value as an error shows it: short, whatever it is (str() of a huge int raises)."""
    try:
        text = str(value)
    except ValueError:
        return "a number too long to show"
    return text if len(text) <= 60 else text[:57] + "..."


def parse_money(value: Any, *, positive: bool) -> Decimal:
    """Returns value as a two-place Decimal, or raises InvalidAmountError.

    Text must follow the money grammar (MONEY_GRAMMAR): "25", "25.50",
    "1,250.00"; no signs, exponents, spaces, underscores or other digits than
    ASCII. Decimal and int values must be finite and exact to the penny; floats
    (which cannot hold money exactly) and booleans are refused. Values above
    MAXIMUM_AMOUNT and negative values are refused; with positive=True also zero.
    The result is normalised: two places, and never -0.00.
    """

    def invalid(reason: str) -> InvalidAmountError:
        return InvalidAmountError({"amount": shown(value), "reason": reason})

    if isinstance(value, (bool, float)):
        raise invalid("not an exact decimal number")
    if isinstance(value, str):
        amount = read_money_text(value, invalid, positive=positive)
    elif isinstance(value, (Decimal, int)):
        amount = Decimal(value)
        if not amount.is_finite():
            raise invalid("not a number")
    else:
        raise invalid("not a number")
    if amount > MAXIMUM_AMOUNT:
        raise invalid("more than 1,000,000,000.00")
    if amount < ZERO or (positive and amount == ZERO):
        raise invalid("must be more than zero" if positive else "must not be negative")
    rounded = amount.quantize(CENT)
    if rounded != amount:
        raise invalid("more than two decimal places")
    return rounded + ZERO  # adding zero turns -0.00 into 0.00


def read_money_text(text: str, invalid: Callable[[str], InvalidAmountError], *, positive: bool) -> Decimal:
    """The amount that text names under the money grammar, or the reason it names none."""
    if len(text) > LONGEST_AMOUNT_TEXT:
        raise invalid("too long to be an amount")
    if MONEY_GRAMMAR.fullmatch(text):
        return Decimal(text.replace(",", ""))
    decimal_comma = DECIMAL_COMMA.fullmatch(text)
    if decimal_comma:
        pounds = decimal_comma["pounds"].replace(".", "")
        raise invalid(f"use a point for pence: {pounds}.{decimal_comma['pence']:0<2}")
    if text[:1] == "-" and MONEY_GRAMMAR.fullmatch(text[1:]):
        raise invalid("must be more than zero" if positive else "must not be negative")
    if text[:1] == "+" and MONEY_GRAMMAR.fullmatch(text[1:]):
        raise invalid("has a sign")
    if re.fullmatch(r"[0-9]+\.[0-9]{3,}", text):
        raise invalid("more than two decimal places")
    if re.fullmatch(r"[0-9,]+(?:\.[0-9]{1,2})?", text) and "," in text:
        raise invalid("commas only between groups of three digits, as in 1,250.00")
    raise invalid("not a number")


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
