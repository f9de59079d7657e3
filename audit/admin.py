from django.contrib import admin

from audit.models import LedgerVerification


@admin.register(LedgerVerification)
class LedgerVerificationAdmin(admin.ModelAdmin):
    """Each run of verifyledger; its report is in the row, written only by the run."""

    list_display = (
        "requested_at",
        "requested_by",
        "status",
        "outcome",
        "discrepancy_count",
        "events_checked",
    )
    list_filter = ("status", "outcome")
    readonly_fields = [field.name for field in LedgerVerification._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the record of what was verified, and when
