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


def only(may_see, refusal: str, may_post=None, post_refusal: str = ""):
    """A view decorator: a login that may_see may see the page, and POST to it
    unless may_post says otherwise; anyone else is refused with the reason."""

    def decorator(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not may_see(request.user):
                raise PermissionDenied(refusal)
            if request.method == "POST" and may_post is not None and not may_post(request.user):
                raise PermissionDenied(post_refusal)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


STAFF_ONLY = "Only the bank's tellers and auditors can see this."
# A page to read: tellers, auditors and staff may see it; only tellers may POST to it.
bank_staff_only = only(
    can_read, STAFF_ONLY, may_post=is_teller, post_refusal="Only tellers can submit requests."
)
# A request form: only tellers may see it or send it.
tellers_only = only(is_teller, "Only tellers can make requests.")


def role(request) -> dict:
    """Template context: whether the pages offer this login the tellers' actions
    (asked only by the pages that show them: a template calls it when it reads it)."""
    user = getattr(request, "user", None)
    return {"can_submit": partial(is_teller, user) if user is not None else False}
