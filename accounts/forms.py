"""Teller forms: they own validation, with a message per field; business rules stay in the domain."""

from __future__ import annotations

from uuid import uuid4

from django import forms

from accounts.domain import (
    MAXIMUM_EMAIL_LENGTH,
    MAXIMUM_NAME_LENGTH,
    InvalidAmountError,
    InvalidDetailsError,
    parse_email_address,
    parse_full_name,
    parse_money,
)
from accounts.models import AccountSummary
from accounts.numbers import is_valid_account_number
from accounts.templatetags.bank import money
from sagas.requests import KindOfRequest

NOT_AN_AMOUNT = "Enter an amount in pounds and pence, such as 25.00 or 1,250.00."
# The domain's reasons for refusing money, in a teller's words; a reason not
# listed (such as "use a point for pence: 2.50") is shown as it is.
AMOUNT_MESSAGES = {
    "not a number": NOT_AN_AMOUNT,
    "too long to be an amount": NOT_AN_AMOUNT,
    "not an exact decimal number": NOT_AN_AMOUNT,
    "more than two decimal places": "Use at most two decimal places (pence).",
    "must be more than zero": "The amount must be more than zero.",
    "must not be negative": "The overdraft limit cannot be negative.",
    "has a sign": "Type the amount without a + sign.",
    "more than 1,000,000,000.00": "The amount cannot be more than 1,000,000,000.00.",
    "commas only between groups of three digits, as in 1,250.00": (
        "Put commas only between groups of three digits, as in 1,250.00, or leave them out."
    ),
}


def teller_words(reason: str) -> str:
    return AMOUNT_MESSAGES.get(reason) or f"{reason[:1].upper()}{reason[1:]}."


class MoneyField(forms.CharField):
    """Pounds and pence, as typed: '25', '25.50', '1,250.00' or '£25'; the domain's
    money grammar decides (a leading pound sign and outer spaces are dropped here)."""

    def __init__(self, *, positive: bool = True, **kwargs):
        self.positive = positive
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        typed = super().clean(value).strip()
        typed = typed.removeprefix("£").strip()
        try:
            return parse_money(typed, positive=self.positive)
        except InvalidAmountError as error:
            reason = error.args[0]["reason"]
            raise forms.ValidationError(teller_words(reason), code="invalid_amount") from None


class AccountNumberField(forms.CharField):
    """An account number as typed (spaces and dashes allowed): the account it names."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
        super().__init__(**kwargs)

    def clean(self, value):
        number = "".join(super().clean(value).replace("-", "").split())
        if not is_valid_account_number(number):
            raise forms.ValidationError("That is not an account number: check the digits.", code="bad_number")
        account = AccountSummary.objects.filter(number=number).first()
        if account is None:
            raise forms.ValidationError("No account has this number.", code="unknown_account")
        return account


class StatementPeriodForm(forms.Form):
    """The days of a statement to export, both included; either may be left out."""

    first_day = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    last_day = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, data=None, **kwargs):
        # "from" and "to" in the address: what a person reads in a link.
        data = (
            {"first_day": data.get("from", ""), "last_day": data.get("to", "")} if data is not None else None
        )
        super().__init__(data, **kwargs)

    def clean(self):
        cleaned_data = super().clean()
        cleaned_data["from"] = cleaned_data.get("first_day")
        cleaned_data["to"] = cleaned_data.get("last_day")
        return cleaned_data


class RequestForm(forms.Form):
    """Every request form carries an id made when the form is shown: sending the same
    form twice (a double click, back and resubmit, a retry) is one request."""

    request_id = forms.UUIDField(widget=forms.HiddenInput, initial=uuid4)

    def __init__(
        self, *args, account: AccountSummary | None = None, kind: KindOfRequest | None = None, **kwargs
    ):
        self.account = account
        self.kind = kind
        super().__init__(*args, **kwargs)

    def clean(self):
        # Every request about an account changes it: none may be made of a closed one.
        if self.account is not None and self.account.is_closed:
            raise forms.ValidationError("This account is closed: it cannot be changed.", code="closed")
        return super().clean()


DETAIL_MESSAGES = {
    "contains control characters": "Remove the invisible characters (a tab or line break pasted in, say).",
    "not an e-mail address": "Enter a valid email address.",
}


def recordable(parse):
    """A field validator that refuses what the domain would refuse to record."""

    def validate(value):
        try:
            parse(value)
        except InvalidDetailsError as error:
            reason = error.args[0]["reason"]
            raise forms.ValidationError(DETAIL_MESSAGES.get(reason, teller_words(reason))) from None

    return validate


class OpenAccountForm(RequestForm):
    full_name = forms.CharField(
        max_length=MAXIMUM_NAME_LENGTH, label="Owner's full name", validators=[recordable(parse_full_name)]
    )
    email_address = forms.EmailField(
        required=False,
        max_length=MAXIMUM_EMAIL_LENGTH,
        label="E-mail address",
        validators=[recordable(parse_email_address)],
    )


class MoneyMovementForm(RequestForm):
    """A request that moves money: the same movement made again within minutes is
    shown to the teller before it is recorded (repeat_confirmed once they confirm)."""

    repeat_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def movement(self) -> dict:
        to_account = self.cleaned_data.get("to_account")
        return {
            "kind": self.kind.value,
            "account_id": self.account.account_id,
            "to_account_id": to_account.account_id if to_account else None,
            "amount": self.cleaned_data["amount"],
        }


class DepositForm(MoneyMovementForm):
    amount = MoneyField()


class WithdrawForm(MoneyMovementForm):
    amount = MoneyField()


class TransferForm(MoneyMovementForm):
    """Sent twice: first to show the teller whose account the money goes to, then confirmed."""

    confirm_template = "accounts/transfer_confirm.html"
    to_account = AccountNumberField(label="To account number")
    amount = MoneyField()
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_to_account(self):
        to_account = self.cleaned_data["to_account"]
        if self.account is not None and to_account.account_id == self.account.account_id:
            raise forms.ValidationError("Choose another account: this is the paying account.", code="same")
        if to_account.is_closed:
            raise forms.ValidationError("That account is closed.", code="closed")
        return to_account


class OverdraftLimitForm(RequestForm):
    overdraft_limit = MoneyField(positive=False)


class CloseAccountForm(RequestForm):
    """Only an account that holds and owes nothing is closed: its money would be stranded.
    (The request's saga checks the balance again; this tells the teller first.)"""

    confirm = forms.BooleanField(
        label="Yes, close this account",
        error_messages={"required": "Tick the box to confirm that the account should be closed."},
    )

    @property
    def notice(self) -> str:
        """What the teller reads before confirming."""
        balance = self.account.balance if self.account is not None else 0
        if balance > 0:
            return f"This account holds {money(balance)}: pay it out before closing."
        if balance < 0:
            return f"This account owes {money(-balance)}: it must be paid in before closing."
        return "The balance is £0.00. Once closed, the account can be read but never changed."

    def clean(self):
        cleaned_data = super().clean()
        if self.account is not None and self.account.balance != 0:
            raise forms.ValidationError(self.notice, code="balance_not_zero")
        return cleaned_data
