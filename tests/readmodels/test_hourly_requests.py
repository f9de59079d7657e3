"""The dashboard's requests-per-hour chart, projected: each hour's row counts what a GROUP BY
of the request rows counts (by the hour each request was submitted in), under batches, one
event at a time, a rebuild, and verifyledger, which names an hour's row that says otherwise."""

import io
import itertools
from datetime import UTC, datetime, timedelta

import eventsourcing.domain
import pytest
from django.core.management import call_command
from django.db.models import F

from bankproject.system import BankAccountSystem, make_runner, persistence_env
from infrastructure.worker import Worker
from sagas.models import HourlyRequests, SagaSummary
from sagas.selectors import hourly_requests
from tests.audit import conftest as audit
from tests.audit.conftest import discrepancies, verifyledger
from tests.readmodels.checks import check_hourly_requests, requests_by_hour
from tests.system.conftest import Bank
from tests.system.workload import submit_random_requests

pytestmark = pytest.mark.django_db(transaction=True)
carry_out, commands = audit.carry_out, audit.commands  # the worker's job done here, in batches

START = datetime.now(UTC).replace(minute=50, second=0, microsecond=0) - timedelta(hours=40)
STEP = timedelta(seconds=90)  # the clock's move at each event: a day's requests over a day and more


@pytest.fixture
def clock(monkeypatch):
    """Events timestamped by a clock that moves on at each event: a request's command, its saga
    and its end fall in different hours now and then. Returns the clock's reading."""
    ticks = itertools.count()
    latest = [START]

    def now():
        latest[0] = START + STEP * next(ticks)
        return latest[0]

    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", now)
    return lambda: latest[0]


def a_day_of_requests(commands, carry_out, seed):
    """Accounts opened, then random requests, good and failing, carried out in batches."""
    accounts = [commands.open_account(f"Customer {n}") for n in range(6)]
    carry_out()
    for round_ in range(4):
        submit_random_requests(commands, accounts, count=60, seed=seed + round_)
        carry_out()


def chart_from_the_requests(hours, now):
    """What the chart should say: the request rows grouped by the hour they were submitted in."""
    counted = requests_by_hour()
    first = hour_of(now) - timedelta(hours=hours - 1)
    slots = [first + timedelta(hours=n) for n in range(hours)]
    return [
        {"hour": hour, "total": counted.get(hour, (0, 0))[0], "failed": counted.get(hour, (0, 0))[1]}
        for hour in slots
    ]


def hour_of(moment):
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def assert_the_chart_counts_the_requests(now):
    check_hourly_requests()
    for hours in (24, 48):
        assert hourly_requests(hours, now=now) == chart_from_the_requests(hours, now)


def test_the_chart_counts_what_grouping_the_requests_counts(clock, commands, carry_out):
    a_day_of_requests(commands, carry_out, seed=40)

    counted = requests_by_hour()
    assert len(counted) > 6
    assert min(counted) < hour_of(clock()) - timedelta(hours=24), "some before the day the chart shows"
    assert sum(failed for _, failed in counted.values()) > 10
    # Failures counted in the hour their request was submitted in, not the hour they ended.
    failed = SagaSummary.objects.filter(status="failed")
    assert any(hour_of(r.finished_at) != hour_of(r.created_at) for r in failed)
    assert_the_chart_counts_the_requests(clock())
    assert sum(slot["failed"] for slot in hourly_requests(24, now=clock())) > 0


def test_one_event_at_a_time_counts_the_same(clock):
    with make_runner("single", "django") as runner:
        bank = Bank(runner)
        accounts = [bank.open_account(f"Customer {n}") for n in range(4)]
        submit_random_requests(bank.commands, accounts, count=80, seed=41)
    assert sum(failed for _, failed in requests_by_hour().values()) > 0
    assert_the_chart_counts_the_requests(clock())


def test_a_request_whose_saga_is_projected_first_moves_to_the_hour_it_was_submitted_in(clock, commands):
    """Its row is made from its saga, counted in the saga's hour; its command, projected
    later, moves it (and its failure) to the hour the teller submitted it in."""
    system, env = BankAccountSystem(read_models=True), persistence_env("django")
    money_path, projection = (
        Worker(system, env, ["Sagas", "Accounts"]),
        Worker(system, env, ["SagasProjection"]),
    )
    try:
        account = commands.open_account("Alice")
        money_path.process_all_pending()
        requests = [commands.withdraw_funds(account, "5") for _ in range(20)]  # refused: no money
        requests += [commands.deposit_funds(account, "5") for _ in range(20)]
        money_path.process_all_pending()
        projection.loops["SagasProjection"].up_to = {"Commands": 0}  # the sagas' events only
        projection.process_all_pending()
        check_hourly_requests()
        from_the_sagas = requests_by_hour()

        projection.loops["SagasProjection"].up_to = {}
        projection.process_all_pending()
    finally:
        money_path.stop()
        projection.stop()

    check_hourly_requests()
    moved = requests_by_hour()
    assert moved != from_the_sagas
    assert sum(failed for _, failed in moved.values()) == 20
    assert sum(total for total, _ in moved.values()) == 41
    assert_the_chart_counts_the_requests(clock())


def test_a_rebuild_counts_the_same(clock, commands, carry_out):
    a_day_of_requests(commands, carry_out, seed=42)
    projected = sorted(HourlyRequests.objects.values_list("hour", "total", "failed"))
    HourlyRequests.objects.all().delete()

    call_command("rebuild_read_models", stdout=io.StringIO())

    assert sorted(HourlyRequests.objects.values_list("hour", "total", "failed")) == projected
    assert_the_chart_counts_the_requests(clock())


def test_verifyledger_names_an_hour_that_counts_otherwise(clock, commands, carry_out, tmp_path):
    a_day_of_requests(commands, carry_out, seed=43)
    assert verifyledger(tmp_path)[0] == 0
    hour = HourlyRequests.objects.filter(failed__gt=0).order_by("hour").first().hour
    HourlyRequests.objects.filter(hour=hour).update(failed=F("failed") + 1)

    code, report = verifyledger(tmp_path)

    assert code == 1
    [found] = discrepancies(report, "read model")
    assert f"{hour:%Y-%m-%d %H:00} UTC" in found["detail"]
