"""The bank's admin site: read-only views of the read models, their event histories, a dashboard."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import admin
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from accounts.selectors import bank_totals
from bankproject.system import BankAccountSystem
from infrastructure.status import follower_positions, follower_states, follower_troubles
from sagas.selectors import failed_count, hourly_requests, pending_count, recent_failures

CHART_HEIGHT = 120
CHART_BAR_WIDTH = 20


class BankAdminSite(admin.AdminSite):
    site_header = "Bank administration"
    site_title = "Bank administration"
    index_title = "Accounts, ledger and requests"
    index_template = "admin/bank_index.html"

    def get_urls(self):
        return [path("dashboard/", self.admin_view(self.dashboard), name="dashboard"), *super().get_urls()]

    def dashboard(self, request):
        since = timezone.now() - timedelta(hours=24)
        hours = hourly_requests(24)
        system = BankAccountSystem(read_models=True)
        states = follower_states(system)
        context = {
            **self.each_context(request),
            "title": "Dashboard",
            **bank_totals(),
            "pending_count": pending_count(),
            "failed_count": failed_count(since),
            "recent_failures": recent_failures(since),
            "followers": follower_positions(system),
            "follower_states": states,
            "troubles": follower_troubles(system, states),
            "chart": bar_chart(hours),
        }
        return TemplateResponse(request, "admin/dashboard.html", context)


def bar_chart(hours: list[dict]) -> dict:
    """Geometry of an SVG bar chart of requests (and failures within them) per hour."""
    highest = max((h["total"] for h in hours), default=0) or 1
    bars = []
    for n, hour in enumerate(hours):
        total_height = round(CHART_HEIGHT * hour["total"] / highest)
        failed_height = round(CHART_HEIGHT * hour["failed"] / highest)
        bars.append(
            {
                **hour,
                "label": f"{timezone.localtime(hour['hour']):%H}:00",  # as the date filter's "H:00"
                "x": n * CHART_BAR_WIDTH,
                "total_y": CHART_HEIGHT - total_height,
                "total_height": total_height,
                "failed_y": CHART_HEIGHT - failed_height,
                "failed_height": failed_height,
            }
        )
    return {
        "bars": bars,
        "width": CHART_BAR_WIDTH * len(hours),
        "height": CHART_HEIGHT,
        "bar_width": CHART_BAR_WIDTH - 4,
        "highest": highest,
    }


class ReadOnlyAdmin(admin.ModelAdmin):
    """Projected data: it changes only through events, never by hand."""

    show_full_result_count = False  # a second COUNT over a large table for one number

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
