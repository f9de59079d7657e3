from django.contrib import admin

from accounts.admin import account_link, account_numbers_named_in, with_account_links
from accounts.models import LedgerEntry
from bankproject.admin import ReadOnlyAdmin
from bankproject.system import persistence_env
from infrastructure.eventhistory import event_history
from sagas.models import SagaSummary


@admin.register(SagaSummary)
class SagaSummaryAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "status",
        "amount",
        "account",
        "to_account",
        "errors",
        "submitted_by",
    ]
    list_filter = ["status", "kind", "created_at"]
    search_fields = ["saga_id", "request_id", "submitted_by"]
    change_form_template = "admin/event_history_change_form.html"

    def get_queryset(self, request):
        return with_account_links(super().get_queryset(request), "account_id", "to_account_id")

    @admin.display(description="account")
    def account(self, saga):
        return account_link(saga, "account_id")

    @admin.display(description="to account")
    def to_account(self, saga):
        return account_link(saga, "to_account_id")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        from sagas.application import Commands, Sagas

        saga = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if saga is not None:
            env = persistence_env("django")
            history = event_history(Commands(env=env), saga.saga_id) + event_history(
                Sagas(env=env), saga.saga_id
            )
            extra_context["event_history"] = [(line, None) for line in history]
            extra_context["account_numbers"] = account_numbers_named_in(history)
            extra_context["account_links"] = [
                account_link(saga, field) for field in ("account_id", "to_account_id") if getattr(saga, field)
            ]
            extra_context["money_moved"] = LedgerEntry.objects.filter(transaction_id=saga.saga_id).order_by(
                "created_at"
            )
        return super().change_view(request, object_id, form_url, extra_context)
