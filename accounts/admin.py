from uuid import UUID

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import AccountSummary, LedgerEntry
from accounts.selectors import with_accounts
from bankproject.admin import ReadOnlyAdmin
from bankproject.system import persistence_env
from infrastructure.eventhistory import event_history
from sagas.models import SagaSummary


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("open", "open"), ("closed", "closed"), ("overdrawn", "overdrawn")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(is_closed=False)
        if self.value() == "closed":
            return queryset.filter(is_closed=True)
        if self.value() == "overdrawn":
            return queryset.filter(balance__lt=0)
        return queryset


def with_account_links(queryset, *fields):
    """Annotates each row with the number and admin pk of the accounts its fields name,
    in the page's one query (a ModelAdmin is shared by all requests: nothing is kept on it)."""
    return with_accounts(queryset, fields, number="number", pk="pk")


def account_link(obj, field):
    """A link to the admin page of the account obj.<field> names (annotated by with_account_links)."""
    account_id, number, pk = (getattr(obj, f"{field}{suffix}", None) for suffix in ("", "_number", "_pk"))
    if account_id is None:
        return "-"
    if pk is None:
        return str(account_id)
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:accounts_accountsummary_change", args=[pk]), number
    )


def account_numbers_named_in(history) -> dict:
    """account id -> number, for every id an event history names (in one query), so that
    the history shows account numbers rather than ids."""
    ids = set()

    def collect(value):
        if isinstance(value, UUID):
            ids.add(value)
        elif isinstance(value, dict):
            for v in value.values():
                collect(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                collect(v)
        elif isinstance(value, Exception):
            collect(list(value.args))

    for line in history:
        collect(line.details)
    return dict(AccountSummary.objects.filter(account_id__in=ids).values_list("account_id", "number"))


def request_urls(saga_ids) -> dict:
    """saga_id -> admin URL of the request, for those that exist."""
    requests = SagaSummary.objects.filter(saga_id__in=[s for s in saga_ids if s]).only("pk", "saga_id")
    return {r.saga_id: reverse("admin:sagas_sagasummary_change", args=[r.pk]) for r in requests}


@admin.register(AccountSummary)
class AccountSummaryAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "full_name",
        "email_address",
        "balance",
        "overdraft_limit",
        "is_closed",
        "changed_at",
    ]
    list_filter = [StatusFilter]
    search_fields = ["number", "full_name", "email_address"]
    change_form_template = "admin/event_history_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from accounts.application import Accounts

        account = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if account is not None:
            history = event_history(Accounts(env=persistence_env("django")), account.account_id)
            urls = request_urls(line.transaction_id for line in history)
            extra_context["event_history"] = [(line, urls.get(line.transaction_id)) for line in history]
            extra_context["account_numbers"] = account_numbers_named_in(history)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "account",
        "kind",
        "amount",
        "balance_after",
        "counterparty",
        "transaction_id",
    ]
    list_filter = ["kind"]
    search_fields = ["transaction_id"]
    ordering = ["-created_at", "-pk"]  # newest first, as a ledger is read

    def get_queryset(self, request):
        return with_account_links(super().get_queryset(request), "account_id", "counterparty_account_id")

    def get_search_results(self, request, queryset, search_term):
        # The account number is what an auditor types: find its entries by it too.
        account = AccountSummary.objects.filter(number=search_term.strip()).first()
        if account is not None:
            return queryset.filter(account_id=account.account_id), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="account", ordering="account_id")
    def account(self, entry):
        return account_link(entry, "account_id")

    @admin.display(description="counterparty")
    def counterparty(self, entry):
        return account_link(entry, "counterparty_account_id")
