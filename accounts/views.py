"""Teller pages: each view validates a form, calls one Commands method, and redirects or renders."""

from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.decorators import method_decorator
from django.views.generic import FormView

from accounts import forms
from accounts.domain import TransactionError
from accounts.exports import csv_download
from accounts.models import AccountSummary
from accounts.requestpages import ACCOUNT_BUTTONS, REQUEST_PAGES, RequestPage
from accounts.roles import bank_staff_only, tellers_only
from accounts.selectors import account_pages, sort_order, statement
from bankproject.system import recorded_commands
from sagas.domain import RequestConflictError
from sagas.requestids import command_id_for
from sagas.selectors import earlier_same_movement, request_for, requests_about

PAGE_SIZE = 25


@bank_staff_only
def account_list(request):
    query = request.GET.get("q", "")
    status = request.GET.get("status", "")
    sort = request.GET.get("sort", "number")
    page = account_pages(query, status, sort, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/account_list.html",
        {
            "page": page,
            "query": query,
            "status": status,
            "sort": sort,
            "columns": sortable_columns(sort, ACCOUNT_COLUMNS),
        },
    )


ACCOUNT_COLUMNS = [
    ("number", "Number", ""),
    ("name", "Owner", ""),
    ("balance", "Balance", "money"),
    ("limit", "Overdraft limit", "money"),
    ("status", "Status", ""),
]


def sortable_columns(sort: str, columns) -> list[dict]:
    """Each column's header: its sort when clicked (the other way round if it is the
    column sorted now) and, for the sorted one, which way it runs."""
    current, downwards = sort_order(sort)
    headers = []
    for key, label, css in columns:
        sorted_now = key == current
        headers.append(
            {
                "label": label,
                "css": css,
                "sort": ("" if downwards or not sorted_now else "-") + key,
                "aria_sort": ("descending" if downwards else "ascending") if sorted_now else "",
            }
        )
    return headers


@bank_staff_only
def account_detail(request, number):
    account = get_object_or_404(AccountSummary, number=number)
    page = Paginator(statement(account.account_id), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/account_detail.html",
        {
            "account": account,
            "page": page,
            "open_requests": requests_about(account.account_id),
            "buttons": ACCOUNT_BUTTONS,
        },
    )


@bank_staff_only
def statement_csv(request, number):
    account = get_object_or_404(AccountSummary, number=number)
    form = forms.StatementPeriodForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("Give the days as YYYY-MM-DD: " + form.errors.as_text())
    first_day, last_day = form.cleaned_data["from"], form.cleaned_data["to"]
    entries = statement(account.account_id, first_day, last_day).iterator()
    return csv_download(
        f"statement-{account.number}-{first_day or 'start'}-to-{last_day or 'now'}.csv",
        ["date", "kind", "other account", "other account's owner", "amount", "balance", "request"],
        (
            [
                e.created_at,
                e.kind,
                e.counterparty_account_id_number,
                e.counterparty_account_id_name,
                e.amount,
                e.balance_after,
                e.transaction_id,
            ]
            for e in entries
        ),
    )


@method_decorator(tellers_only, name="dispatch")
class RequestFormView(FormView):
    """The one page of every kind of request (`accounts.requestpages`): show its form,
    or validate it and record the request with one call to Commands.

    The same form sent twice records one request (its request id); the same money
    movement typed again is shown to the teller before it is recorded; a request id
    reused for a different request shows the request first made with it.
    """

    page: RequestPage | None = None
    template_name = "accounts/request_form.html"

    def dispatch(self, request, number=None):
        self.account = get_object_or_404(AccountSummary, number=number) if number is not None else None
        return super().dispatch(request)

    def get_form_class(self):
        return self.page.form

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "account": self.account, "kind": self.page.kind}

    def get_context_data(self, **kwargs):
        return super().get_context_data(account=self.account, title=self.page.title, **kwargs)

    def form_valid(self, form):
        posted = self.request.POST
        confirm_template = getattr(form, "confirm_template", None)
        if confirm_template and "change" in posted:
            # "Change" on the confirmation: the form again, as the teller filled it.
            changed = self.get_form_class()(unconfirmed(posted), account=self.account, kind=self.page.kind)
            return self.render_to_response(self.get_context_data(form=changed))
        if confirm_template and not form.cleaned_data.get("confirmed"):
            return render(self.request, confirm_template, self.get_context_data(form=form))
        if hasattr(form, "movement") and not form.cleaned_data["repeat_confirmed"]:
            earlier = earlier_same_movement(**form.movement(), request_id=form.cleaned_data["request_id"])
            if earlier is not None:
                resend = [(k, v) for k, v in posted.items() if k != "csrfmiddlewaretoken"]
                resend.append(("repeat_confirmed", "True"))
                context = self.get_context_data(form=form, earlier=earlier, resend=resend)
                return render(self.request, "accounts/repeat_confirm.html", context)
        request_id = form.cleaned_data["request_id"]
        try:
            saga_id = recorded_commands().request(
                self.page.kind.command,
                request_id=request_id,
                submitted_by=self.request.user.get_username(),
                **self.page.request_fields(form.cleaned_data, self.account),
            )
        except TransactionError as error:
            # The form checks what the domain checks; should they ever differ, the
            # teller still gets the domain's reason, and nothing was recorded.
            form.add_error(None, f"Not recorded: {error.args[0].get('reason', error)}.")
            return self.form_invalid(form)
        except RequestConflictError:
            first = {"saga_id": command_id_for(request_id), "summary": request_for(request_id)}
            context = {"account": self.account, "title": self.page.title, "first": first}
            return render(self.request, "accounts/request_reused.html", context, status=409)
        return redirect("request_detail", saga_id=saga_id)


def unconfirmed(posted):
    data = posted.copy()
    for name in ("confirmed", "change", "repeat_confirmed"):
        data.pop(name, None)
    return data


# Each kind's page by its URL name (open_account, deposit, withdraw, ...), as urls.py maps them.
REQUEST_VIEWS = {page.url_name: RequestFormView.as_view(page=page) for page in REQUEST_PAGES}
