"""Request pages: the status of one request (updating itself until final), and lists of requests."""

from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from accounts.exports import csv_download
from accounts.models import AccountSummary
from accounts.roles import bank_staff_only
from accounts.templatetags.bank import money
from bankproject.system import recorded_commands
from sagas.models import SagaSummary
from sagas.selectors import search_requests


def recorded_request(saga_id) -> SagaSummary | None:
    """The request's summary; None while it is recorded but not yet projected."""
    summary = SagaSummary.objects.filter(saga_id=saga_id).first()
    if summary is None and not recorded_commands().is_recorded(saga_id):
        raise Http404("No request has this reference.")
    return summary


def request_title(summary) -> str:
    """The page's title names the request and its status, so that a tab tells it."""
    if summary is None:
        return "Request recorded: pending"
    amount = f" {money(summary.amount)}" if summary.amount is not None else ""
    return f"{summary.get_kind_display().capitalize()}{amount}: {summary.get_status_display()}"


@bank_staff_only
def request_status(request, saga_id):
    """The request page's status, polled by its script until the request is final."""
    summary = recorded_request(saga_id)
    return JsonResponse(
        {
            "status": summary.status if summary else SagaSummary.Status.PENDING,
            "final": summary is not None and summary.status != SagaSummary.Status.PENDING,
            "text": render_to_string("sagas/request_status.html", {"summary": summary}).strip(),
            "title": request_title(summary) + " · Bank",
        }
    )


@bank_staff_only
def request_detail(request, saga_id):
    summary = recorded_request(saga_id)
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
            "title": request_title(summary),
        },
    )


def requests_asked_for(request) -> dict:
    """The filters of the requests list as the address gives them, and the requests they select."""
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
    return {"mine": mine, "status": status, "kind": kind, "account": account, "requests": requests}


@bank_staff_only
def request_list(request):
    asked = requests_asked_for(request)
    page = Paginator(asked.pop("requests"), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "sagas/request_list.html",
        {
            **asked,
            "page": page,
            "export_query": request.GET.urlencode() if "page" not in request.GET else export_query(request),
            "statuses": SagaSummary.Status.choices,
            "kinds": SagaSummary.Kind.choices,
        },
    )


def export_query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@bank_staff_only
def request_list_csv(request):
    requests = requests_asked_for(request)["requests"]
    return csv_download(
        "requests.csv",
        [
            "date",
            "kind",
            "account",
            "account's owner",
            "to account",
            "to account's owner",
            "amount",
            "status",
            "why it failed",
            "by",
            "finished",
            "reference",
        ],
        (
            [
                r.created_at,
                r.kind,
                r.account_id_number,
                r.account_id_name,
                r.to_account_id_number,
                r.to_account_id_name,
                r.amount,
                r.status,
                r.errors,
                r.submitted_by,
                r.finished_at,
                r.saga_id,
            ]
            for r in requests.iterator()
        ),
    )
