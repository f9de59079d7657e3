"""Auditors' pages: an account as at a moment, verifications of the books, and their exports."""

import csv

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import AccountSummary
from accounts.roles import STAFF_ONLY, can_read, only
from audit import exports
from audit.forms import AsAtForm
from audit.models import LedgerVerification
from audit.selectors import account_as_at
from audit.verification import CHECKS

# Tellers, auditors and staff. Unlike the teller pages' guard, auditors may POST
# here: asking for a verification changes no account.
bank_staff = only(can_read, STAFF_ONLY)


@bank_staff
def account_at(request, number):
    account = get_object_or_404(AccountSummary, number=number)
    form = AsAtForm(request.GET or None, initial={"at": timezone.now().replace(microsecond=0)})
    as_at = account_as_at(account.account_id, form.moment()) if not form.is_bound or form.is_valid() else None
    return render(request, "audit/account_as_at.html", {"account": account, "form": form, "as_at": as_at})


@bank_staff
def account_history_csv(request, number):
    account = get_object_or_404(AccountSummary, number=number)
    form = AsAtForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse("; ".join(form.errors["at"]), status=400, content_type="text/plain")
    as_at = account_as_at(account.account_id, form.moment(), lines=None)
    return csv_response(
        f"account-{number}-as-at-{as_at.moment:%Y%m%dT%H%M%S}.csv", exports.history_rows(number, as_at)
    )


@bank_staff
def verification_list(request):
    verifications = LedgerVerification.objects.defer("report")[:50]
    return render(request, "audit/verification_list.html", {"verifications": verifications, "checks": CHECKS})


@bank_staff
def verification_detail(request, pk):
    verification = get_object_or_404(LedgerVerification, pk=pk)
    return render(request, "audit/verification_detail.html", {"verification": verification, "checks": CHECKS})


@require_POST
@bank_staff
def request_verification(request):
    LedgerVerification.objects.create(requested_at=timezone.now(), requested_by=request.user.get_username())
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = "audit:verification_list"
    return redirect(back)


@bank_staff
def verification_json(request, pk):
    verification = get_object_or_404(LedgerVerification, pk=pk)
    response = JsonResponse(verification.report or {}, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="verification-{pk}.json"'
    return response


@bank_staff
def verification_csv(request, pk):
    verification = get_object_or_404(LedgerVerification, pk=pk)
    return csv_response(f"verification-{pk}.csv", exports.report_rows(verification))


def csv_response(filename, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    csv.writer(response).writerows(rows)
    return response
