"""Request pages: the status of one request (updating itself until final), and lists of requests."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from accounts.models import AccountSummary
from accounts.roles import bank_staff_only
from bankproject.system import recorded_commands
from sagas.models import SagaSummary
from sagas.selectors import search_requests


@bank_staff_only
def request_detail(request, saga_id):
    summary = SagaSummary.objects.filter(saga_id=saga_id).first()
    if summary is None and not recorded_commands().is_recorded(saga_id):
        raise Http404("No request has this reference.")
    accounts = {}
    if summary is not None:
        ids = [a for a in (summary.account_id, summary.to_account_id) if a]
        accounts = {a.account_id: a for a in AccountSummary.objects.filter(account_id__in=ids)}
    return render(
        request,
        "sagas/request_detail.html",
        {
            "saga_id": saga_id,
            "summary": summary,
            "account": accounts.get(summary.account_id) if summary else None,
            "to_account": accounts.get(summary.to_account_id) if summary else None,
            "is_final": summary is not None and summary.status != SagaSummary.Status.PENDING,
        },
    )


@bank_staff_only
def request_list(request):
    mine = request.GET.get("mine", "1") == "1"
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    number = request.GET.get("account", "").strip()
    account = AccountSummary.objects.filter(number=number).first() if number else None
    if number and account is None:
        raise Http404("No account has this number.")
    requests = search_requests(
        request.user.get_username() if mine else "",
        status,
        kind,
        account_id=account.account_id if account else None,
    )
    page = Paginator(requests, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sagas/request_list.html",
        {
            "page": page,
            "mine": mine,
            "status": status,
            "kind": kind,
            "account": account,
            "statuses": SagaSummary.Status.choices,
            "kinds": SagaSummary.Kind.choices,
        },
    )
