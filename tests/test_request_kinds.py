"""Every kind of request in the table has everything a kind needs: a half-added kind fails here."""

import dataclasses
import functools
from uuid import uuid4

import pytest
from django.urls import resolve, reverse
from eventsourcing.utils import get_topic

from accounts.forms import RequestForm
from accounts.requestpages import REQUEST_PAGES
from bankproject.system import persistence_env
from sagas.application import FIELD_PARSERS, Commands
from sagas.domain import Command, DepositFunds, Saga, request_field_names
from sagas.models import SagaSummary
from sagas.projections import SagasProjection
from sagas.requests import REQUESTS, kind_of

pytestmark = pytest.mark.in_memory

KINDS = [pytest.param(kind, id=kind.value) for kind in REQUESTS]


def sample_fields(kind):
    values = {
        "full_name": "Ann Smith",
        "email_address": "ann@example.com",
        "amount": "5.00",
        "overdraft_limit": "10.00",
    }
    return {name: values.get(name) or uuid4() for name in request_field_names(kind.command)}


def test_each_kind_is_declared_once():
    assert len({kind.value for kind in REQUESTS}) == len(REQUESTS)
    assert len({kind.command for kind in REQUESTS}) == len(REQUESTS)
    assert len({kind.saga for kind in REQUESTS}) == len(REQUESTS)
    assert [page.kind for page in REQUEST_PAGES] == list(REQUESTS)


@pytest.mark.parametrize("kind", KINDS)
def test_a_kind_has_a_command_and_a_saga_with_the_same_fields(kind):
    assert issubclass(kind.command, Command) and issubclass(kind.saga, Saga)
    assert kind.command.Requested.__qualname__ == f"{kind.command.__name__}.Requested"
    assert kind.saga.Started.__qualname__ == f"{kind.saga.__name__}.Started"
    saga_fields = [field.name for field in dataclasses.fields(kind.saga)]
    assert saga_fields == list(request_field_names(kind.command))
    assert "start" in vars(kind.saga), "a saga must say what it asks Accounts first"


@pytest.mark.parametrize("kind", KINDS)
def test_commands_records_a_kind_through_its_method_and_the_saga_starts(kind):
    fields = sample_fields(kind)
    assert set(fields) <= set(FIELD_PARSERS), "every field must be read and checked before it is recorded"
    commands = Commands(env=persistence_env("popo"))
    record = (
        getattr(commands, kind.method) if kind.method else functools.partial(commands.request, kind.command)
    )
    command_id = record(**fields, request_id=f"r-{kind.value}", submitted_by="tina")
    command = commands.get_command(command_id)
    assert type(command) is kind.command and kind_of(command) is kind
    assert (command.request_id, command.submitted_by) == (f"r-{kind.value}", "tina")
    saga = command.start_saga()
    assert type(saga) is kind.saga and saga.id == command.id
    assert saga.awaiting is not None, "a started saga waits on its first request to Accounts"


@pytest.mark.parametrize("kind", KINDS)
def test_a_kind_is_projected_and_named_in_a_tellers_words(kind):
    commands = Commands(env=persistence_env("popo"))
    command = commands.get_command(commands.request(kind.command, **sample_fields(kind)))
    row = kind.summary_fields(command)
    assert row == kind.summary_fields(command.start_saga())
    assert row["kind"] == kind.value and row["account_id"] is not None
    assert ("to_account_id" in row) == bool(kind.to_account)
    assert ("amount" in row) == bool(kind.amount)
    assert kind.money in ("in", "out", "between", "") and (kind.amount or not kind.money)
    assert (kind.money == "between") == bool(kind.to_account)
    assert SagaSummary.Kind(kind.value).label == kind.words and kind.words
    assert get_topic(kind.command.Requested) in SagasProjection.topics
    assert get_topic(kind.saga.Started) in SagasProjection.topics


@pytest.mark.parametrize("page", [pytest.param(page, id=page.kind.value) for page in REQUEST_PAGES])
def test_a_kind_has_a_form_and_a_page(page):
    assert issubclass(page.form, RequestForm) and page.title
    args = ["00000018"] if page.about_an_account else []
    match = resolve(reverse(page.url_name, args=args))
    assert match.func.view_class.page is None and match.func.view_initkwargs == {"page": page}
    form_fields = set(page.form.base_fields)
    for name in request_field_names(page.kind.command):
        if name not in (page.kind.account, page.kind.to_account):
            assert name in form_fields, f"the {page.kind.value} form asks for no {name}"
    assert bool(page.button) == page.about_an_account


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"credit_account_id": uuid4()}, "missing: amount", id="missing"),
        pytest.param(
            {"credit_account_id": uuid4(), "amount": "5", "amout": "5"}, "not one: amout", id="unknown"
        ),
    ],
)
def test_a_request_with_fields_its_kind_does_not_have_is_refused_and_not_recorded(fields, message):
    commands = Commands(env=persistence_env("popo"))
    with pytest.raises(TypeError, match=message):
        commands.request(DepositFunds, **fields)
    assert commands.recorder.max_notification_id() is None
