"""Every kind of request the bank takes, declared once.

Each row names the command that records the request, the saga that carries it
out, the `Commands` method tellers' code calls, the words a teller reads, and
which of the command's fields the requests read model shows as the account,
the other account and the amount. The projection, the admin and the web pages
read this table; the web layer adds each kind's form and page
(`accounts.requestpages`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sagas import domain
from sagas.domain import Command, Saga


@dataclass(frozen=True)
class KindOfRequest:
    value: str  # as stored in the requests read model
    words: str  # what a teller calls it
    command: type[Command]
    account: str  # the field naming the account the request is about
    to_account: str = ""  # the field naming the account money goes to, if any
    amount: str = ""  # the field holding the money moved or asked for, if any
    method: str = ""  # the Commands method named for it, if any (Commands.request records every kind)
    # How it moves money when it succeeds: "in" (paid into the account), "out" (paid
    # out of it), "between" (from the account to the other one), or "" (none).
    money: str = ""

    @property
    def saga(self) -> type[Saga]:
        return self.command.saga

    def summary_fields(self, request: Command | Saga) -> dict[str, Any]:
        """What a command or its saga says about the request, as the read model's fields."""
        fields = {"kind": self.value, "account_id": getattr(request, self.account)}
        if self.to_account:
            fields["to_account_id"] = getattr(request, self.to_account)
        if self.amount:
            fields["amount"] = getattr(request, self.amount)
        return fields


REQUESTS = (
    KindOfRequest("open account", "open account", domain.OpenAccount, method="open_account", account="id"),
    KindOfRequest(
        "deposit",
        "deposit",
        domain.DepositFunds,
        method="deposit_funds",
        account="credit_account_id",
        amount="amount",
        money="in",
    ),
    KindOfRequest(
        "withdrawal",
        "withdrawal",
        domain.WithdrawFunds,
        method="withdraw_funds",
        account="debit_account_id",
        amount="amount",
        money="out",
    ),
    KindOfRequest(
        "transfer",
        "transfer",
        domain.TransferFunds,
        method="transfer_funds",
        account="debit_account_id",
        to_account="credit_account_id",
        amount="amount",
        money="between",
    ),
    KindOfRequest(
        "overdraft limit",
        "set overdraft limit",
        domain.SetOverdraftLimit,
        method="set_overdraft_limit",
        account="account_id",
        amount="overdraft_limit",
    ),
    KindOfRequest(
        "close account", "close account", domain.CloseAccount, method="close_account", account="account_id"
    ),
)

_BY_CLASS = {cls: kind for kind in REQUESTS for cls in (kind.command, kind.saga)}


def kind_of(request: Command | Saga) -> KindOfRequest:
    """The kind of a command or a saga."""
    try:
        return _BY_CLASS[type(request)]
    except KeyError:
        msg = f"not a request: {request!r}"
        raise TypeError(msg) from None


def request_fields(request: Command | Saga) -> dict[str, Any]:
    """What a command or its saga says about the request, as the requests read model's fields."""
    return kind_of(request).summary_fields(request)
