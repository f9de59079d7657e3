"""The same request sent twice is one request; a request id reused for another request is refused."""

import hashlib
import multiprocessing
import os
import re
import threading
from decimal import Decimal

import pytest

from bankproject.system import make_runner
from infrastructure.childprocess import database_settings
from sagas.domain import RequestConflictError
from tests.system import submitters
from tests.system.conftest import Bank

D = Decimal


@pytest.fixture
def rid(request):
    """Request ids of this test alone: an in-memory system may outlive one test."""
    test = hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:16]
    return lambda name: f"{name} {test}"


def transactions_caused_by(bank, account_id, transaction_id):
    return [
        e.amount
        for e in bank.accounts.repository.event_store.get(account_id)
        if getattr(e, "transaction_id", None) == transaction_id and hasattr(e, "amount")
    ]


def events_of(app, originator_id):
    return list(app.repository.event_store.get(originator_id))


def test_the_same_request_twice_is_one_deposit(bank, rid):
    account = bank.open_account()
    first = bank.commands.deposit_funds(account, D("10.00"), request_id=rid("req-1"))
    again = bank.commands.deposit_funds(account, "10", request_id=rid("req-1"))
    assert again == first
    assert bank.wait_for(first).has_succeeded
    assert bank.wait_for(
        bank.commands.deposit_funds(account, D("10.00"), request_id=rid("req-1"))
    ).has_succeeded
    assert len(events_of(bank.commands, first)) == 1
    saga_events = [type(e).__name__ for e in events_of(bank.sagas, first)]
    assert saga_events == ["Started", "CreditRequested", "Succeeded"]
    assert transactions_caused_by(bank, account, first) == [D("10.00")]
    assert bank.balance(account) == D("10.00")


@pytest.mark.one_runner
@pytest.mark.parametrize(
    "reuse",
    [
        pytest.param(
            lambda c, a, b, rid: c.deposit_funds(a, D("11.00"), request_id=rid("req-1")), id="amount"
        ),
        pytest.param(
            lambda c, a, b, rid: c.deposit_funds(b, D("10.00"), request_id=rid("req-1")), id="account"
        ),
        pytest.param(
            lambda c, a, b, rid: c.withdraw_funds(a, D("10.00"), request_id=rid("req-1")), id="kind"
        ),
        pytest.param(
            lambda c, a, b, rid: c.transfer_funds(a, b, D("10.00"), request_id=rid("req-1")), id="transfer"
        ),
        pytest.param(lambda c, a, b, rid: c.close_account(a, request_id=rid("req-1")), id="close"),
        pytest.param(lambda c, a, b, rid: c.open_account(request_id=rid("req-1")), id="open"),
    ],
)
def test_a_request_id_reused_for_another_request_is_refused(bank, reuse, rid):
    account, other = bank.open_account(), bank.open_account()
    deposit = bank.commands.deposit_funds(account, D("10.00"), request_id=rid("req-1"))
    bank.wait_for(deposit)
    recorded_before = bank.commands.recorder.max_notification_id()
    with pytest.raises(RequestConflictError, match=re.escape(rid("req-1"))) as raised:
        reuse(bank.commands, account, other, rid)
    assert isinstance(raised.value, ValueError)
    assert bank.commands.recorder.max_notification_id() == recorded_before
    assert bank.balance(account, other) == (D("10.00"), D("0.00"))


def test_request_ids_work_for_every_kind_of_request(bank, rid):
    commands = bank.commands
    a = commands.open_account("Ann", request_id=rid("open-a"))
    assert commands.open_account("Ann", request_id=rid("open-a")) == a
    b = commands.open_account("Bob", request_id=rid("open-b"))
    bank.wait_for(a), bank.wait_for(b)
    for submit in (
        lambda: commands.deposit_funds(a, 100, request_id=rid("dep")),
        lambda: commands.withdraw_funds(a, 10, request_id=rid("wd")),
        lambda: commands.transfer_funds(a, b, 20, request_id=rid("tr")),
        lambda: commands.set_overdraft_limit(b, 50, request_id=rid("lim")),
        lambda: commands.withdraw_funds(b, 20, request_id=rid("wd-b")),  # closing needs a zero balance
        lambda: commands.close_account(b, request_id=rid("close")),
    ):
        saga_id = submit()
        assert submit() == saga_id
        assert bank.wait_for(saga_id).has_succeeded
        assert submit() == saga_id
    assert bank.balance(a, b) == (D("70.00"), D("0.00"))
    assert bank.accounts.get_overdraft_limit(b) == D("50.00")
    assert bank.accounts.get_account(b).is_closed


def test_threads_racing_the_same_request_id_make_one_request(bank, rid):
    account = bank.open_account()
    barrier = threading.Barrier(6)
    results, errors = [], []

    def submit():
        try:
            barrier.wait(timeout=10)
            results.append(bank.commands.deposit_funds(account, D("5.00"), request_id=rid("racing")))
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(results) == 6 and len(set(results)) == 1
    assert bank.wait_for(results[0]).has_succeeded
    assert len(events_of(bank.commands, results[0])) == 1
    assert transactions_caused_by(bank, account, results[0]) == [D("5.00")]
    assert bank.balance(account) == D("5.00")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runner_name", ["single", "threads"])
def test_processes_racing_the_same_request_id_make_one_request(runner_name):
    with make_runner(runner_name, "django") as runner:
        bank = Bank(runner)
        account = bank.open_account()
        context = multiprocessing.get_context("spawn")
        # All four submit together, once each has set Django up.
        start = context.Barrier(4)
        results = context.Queue()
        processes = [
            context.Process(
                target=submitters.deposit,
                args=(
                    os.environ["DJANGO_SETTINGS_MODULE"],
                    database_settings(),
                    start,
                    results,
                    account,
                    "5.00",
                    "racing across processes",
                ),
            )
            for _ in range(4)
        ]
        for process in processes:
            process.start()
        command_ids = {results.get(timeout=60) for _ in processes}
        for process in processes:
            process.join(timeout=30)
        assert [p.exitcode for p in processes] == [0] * 4
        assert len(command_ids) == 1
        (command_id,) = command_ids
        assert len(events_of(bank.commands, command_id)) == 1

        # Those processes cannot prompt this one's runner: the next request here does.
        assert bank.wait_for(bank.commands.deposit_funds(account, D("1.00"))).has_succeeded
        assert bank.wait_for(command_id).has_succeeded
        assert transactions_caused_by(bank, account, command_id) == [D("5.00")]
        assert bank.balance(account) == D("6.00")


def test_without_a_request_id_each_request_is_new(bank):
    account = bank.open_account()
    first = bank.commands.deposit_funds(account, D("1.00"))
    second = bank.commands.deposit_funds(account, D("1.00"))
    assert first != second
    bank.wait_for(first), bank.wait_for(second)
    assert bank.balance(account) == D("2.00")
