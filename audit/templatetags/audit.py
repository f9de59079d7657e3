"""The dashboard's verification section reads its figures here, so the admin site needs no change."""

from django import template

from audit.selectors import latest_verification, verifications_waiting

register = template.Library()


@register.simple_tag
def books_verification():
    return {"last": latest_verification(), "waiting": verifications_waiting()}
