"""The page of each kind of request: its form, address, title and button.

One row per kind in `sagas.requests.REQUESTS` (a test checks none is missing).
The URLs, the one request-form view and the account page's buttons are made
from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accounts import forms
from accounts.models import AccountSummary
from sagas.domain import request_field_names
from sagas.requests import REQUESTS, KindOfRequest


@dataclass(frozen=True)
class RequestPage:
    kind: KindOfRequest
    form: type[forms.RequestForm]
    path: str  # under the account's address, or under /accounts/ for an opening
    url_name: str
    title: str
    button: str = ""  # on the account page (none for an opening)
    danger: bool = False  # the button is shown as one that cannot be undone

    @property
    def about_an_account(self) -> bool:
        return self.kind.account != "id"

    def request_fields(self, data: dict[str, Any], account: AccountSummary | None) -> dict[str, Any]:
        """The request's fields from the form's cleaned data and the page's account."""
        fields = {}
        for name in request_field_names(self.kind.command):
            if name == self.kind.account:
                fields[name] = account.account_id
            elif name == self.kind.to_account:
                fields[name] = data["to_account"].account_id
            else:
                fields[name] = data[name]
        return fields


_KINDS = {kind.value: kind for kind in REQUESTS}

REQUEST_PAGES = (
    RequestPage(_KINDS["open account"], forms.OpenAccountForm, "open/", "open_account", "Open an account"),
    RequestPage(_KINDS["deposit"], forms.DepositForm, "deposit/", "deposit", "Deposit", "Deposit"),
    RequestPage(_KINDS["withdrawal"], forms.WithdrawForm, "withdraw/", "withdraw", "Withdraw", "Withdraw"),
    RequestPage(_KINDS["transfer"], forms.TransferForm, "transfer/", "transfer", "Transfer", "Transfer"),
    RequestPage(
        _KINDS["overdraft limit"],
        forms.OverdraftLimitForm,
        "overdraft-limit/",
        "set_overdraft_limit",
        "Set the overdraft limit",
        "Overdraft limit",
    ),
    RequestPage(
        _KINDS["close account"],
        forms.CloseAccountForm,
        "close/",
        "close_account",
        "Close the account",
        "Close",
        danger=True,
    ),
)

ACCOUNT_BUTTONS = [page for page in REQUEST_PAGES if page.button]
