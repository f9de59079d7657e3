"""Who may do what: tellers submit requests; auditors (and staff) only read."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

TELLERS = "tellers"
AUDITORS = "auditors"


def is_teller(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.groups.filter(name=TELLERS).exists())


def can_read(user) -> bool:
    return user.is_authenticated and (
        user.is_staff or user.is_superuser or user.groups.filter(name__in=[TELLERS, AUDITORS]).exists()
    )


def bank_staff_only(view):
    """Any page: tellers and auditors may read it; only tellers may POST to it."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not can_read(request.user):
            raise PermissionDenied("Only the bank's tellers and auditors can see this.")
        if request.method == "POST" and not is_teller(request.user):
            raise PermissionDenied("Only tellers can submit requests.")
        return view(request, *args, **kwargs)

    return guarded
