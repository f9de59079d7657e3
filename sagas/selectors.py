"""Read-side queries over the request (saga) read models."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from sagas.models import HourlyRequests, SagaSummary
from sagas.requestids import command_id_for

Status = SagaSummary.Status


def pending_count() -> int:
    return SagaSummary.objects.filter(status=Status.PENDING).count()


def failures_since(since: datetime):
    """The requests made since then that have failed (an index range: status, then time)."""
    return SagaSummary.objects.filter(status=Status.FAILED, created_at__gte=since)


def failed_count(since: datetime) -> int:
    return failures_since(since).count()


def recent_failures(since: datetime, limit: int = 50):
    return failures_since(since).order_by("-created_at")[:limit]


def hourly_requests(hours: int = 24, now: datetime | None = None) -> list[dict]:
    """Requests and failures per hour for the last `hours` hours, oldest first, empty hours included."""
    this_hour = HourlyRequests.hour_of(now or timezone.now())
    first_hour = this_hour - timedelta(hours=hours - 1)
    # The projected rows of those hours (HourlyRequests), not the request rows grouped.
    counted = HourlyRequests.objects.filter(hour__gte=first_hour, hour__lte=this_hour)
    by_hour = {
        hour: (total, failed) for hour, total, failed in counted.values_list("hour", "total", "failed")
    }
    slots = []
    for n in range(hours):
        hour = first_hour + timedelta(hours=n)
        total, failed = by_hour.get(hour, (0, 0))
        slots.append({"hour": hour, "total": total, "failed": failed})
    return slots


RECENT_FAILURES = timedelta(days=7)


def about_account(account_id):
    return Q(account_id=account_id) | Q(to_account_id=account_id)


def requests_about(account_id, limit: int = 20):
    """What a teller should know of an account's requests: those still pending, and those
    that failed in the last seven days (older ones are on the account's list of requests)."""
    since = timezone.now() - RECENT_FAILURES
    return SagaSummary.objects.filter(
        about_account(account_id),
        Q(status=Status.PENDING) | Q(status=Status.FAILED, created_at__gte=since),
    ).order_by("-created_at")[:limit]


REPEAT_WINDOW = timedelta(minutes=10)


def earlier_same_movement(kind, account_id, to_account_id, amount, request_id):
    """The latest request that moved the same money between the same accounts in the
    last ten minutes under another request id: what a teller makes by typing a
    request again (Back and resubmit, a second window)."""
    return (
        SagaSummary.objects.filter(
            kind=kind,
            account_id=account_id,
            to_account_id=to_account_id,
            amount=amount,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        )
        .exclude(request_id=str(request_id))
        .order_by("-created_at")
        .first()
    )


def request_for(request_id):
    """The request recorded under a request id, if it has reached the read model."""
    return SagaSummary.objects.filter(saga_id=command_id_for(request_id)).first()


def search_requests(submitted_by: str = "", status: str = "", kind: str = "", account_id=None):
    """Requests, newest first, each with the number and owner of its accounts."""
    from accounts.selectors import with_account_names

    requests = with_account_names(SagaSummary.objects.all(), "account_id", "to_account_id")
    if account_id is not None:
        requests = requests.filter(about_account(account_id))
    if submitted_by:
        requests = requests.filter(submitted_by=submitted_by)
    if status in Status.values:
        requests = requests.filter(status=status)
    if kind in SagaSummary.Kind.values:
        requests = requests.filter(kind=kind)
    return requests.order_by("-created_at")
