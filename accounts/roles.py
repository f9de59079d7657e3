"""Who may do what: tellers submit requests; auditors (and staff, superusers included) only read.

Superusers are not tellers: they work in the admin, and a request carries the name of
the teller who made it.
"""

from functools import partial, wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

TELLERS = "tellers"
AUDITORS = "auditors"


def is_teller(user) -> bool:
    if not user.is_authenticated:
        return False
    if not hasattr(user, "_is_teller"):  # asked by the page and by its menu: one query
        user._is_teller = user.groups.filter(name=TELLERS).exists()
    return user._is_teller


def can_read(user) -> bool:
    return user.is_authenticated and (
        user.is_staff or user.is_superuser or user.groups.filter(name__in=[TELLERS, AUDITORS]).exists()
    )


def bank_staff_only(view):
    """A page to read: tellers, auditors and staff may see it; only tellers may POST to it."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not can_read(request.user):
            raise PermissionDenied("Only the bank's tellers and auditors can see this.")
        if request.method == "POST" and not is_teller(request.user):
            raise PermissionDenied("Only tellers can submit requests.")
        return view(request, *args, **kwargs)

    return guarded


def tellers_only(view):
    """A request form: only tellers may see it or send it."""

    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not is_teller(request.user):
            raise PermissionDenied("Only tellers can make requests.")
        return view(request, *args, **kwargs)

    return guarded


def role(request) -> dict:
    """Template context: whether the pages offer this login the tellers' actions
    (asked only by the pages that show them: a template calls it when it reads it)."""
    user = getattr(request, "user", None)
    return {"can_submit": partial(is_teller, user) if user is not None else False}
