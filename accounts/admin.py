from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html

from accounts.models import AccountSummary, LedgerEntry
from accounts.selectors import account_numbers
from bankproject.admin import ReadOnlyAdmin
from bankproject.audit import event_history
from bankproject.system import persistence_env
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


def account_link(account_id, numbers):
    if account_id is None:
        return "-"
    number, pk = numbers.get(account_id, (str(account_id), None))
    if pk is None:
        return number
    return format_html(
        '<a href="{}">{}</a>', reverse("admin:accounts_accountsummary_change", args=[pk]), number
    )


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
            requests = SagaSummary.objects.filter(saga_id__in={h.transaction_id for h in history})
            extra_context["event_history"] = history
            extra_context["request_links"] = {
                r.saga_id: reverse("admin:sagas_sagasummary_change", args=[r.pk]) for r in requests
            }
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

    def get_queryset(self, request):
        numbers = AccountSummary.objects.filter(account_id=OuterRef("account_id")).values("number")[:1]
        return super().get_queryset(request).annotate(account_number=Subquery(numbers))

    def get_search_results(self, request, queryset, search_term):
        # The account number is what an auditor types: find its entries by it too.
        account = AccountSummary.objects.filter(number=search_term.strip()).first()
        if account is not None:
            return queryset.filter(account_id=account.account_id), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="account", ordering="account_id")
    def account(self, entry):
        return account_link(entry.account_id, account_numbers([entry.account_id]))

    @admin.display(description="counterparty")
    def counterparty(self, entry):
        return account_link(entry.counterparty_account_id, account_numbers([entry.counterparty_account_id]))
