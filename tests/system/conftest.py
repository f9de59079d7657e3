import time

import pytest
from eventsourcing.application import AggregateNotFoundError

from accounts.application import Accounts
from bankproject.system import make_runner
from sagas.application import Commands, Sagas
from tests.database import close_connections_left_by_threads

SETTLE_TIMEOUT = 30.0


def row(runner_name, persistence, *marks):
    if persistence == "popo":
        marks = (pytest.mark.in_memory, *marks)
    else:
        marks = (pytest.mark.django_db(transaction=True), *marks)
    return pytest.param((runner_name, persistence), marks=marks, id=f"{runner_name}-{persistence}")


# Every runner on every store it can use. The processes and Ray rows run on SQLite
# and MariaDB, not in the PostgreSQL pass (keeping the suite's time in bounds).
SYSTEM_ROWS = [
    row("single", "popo"),
    row("single", "django"),
    row("threads", "popo"),
    row("threads", "django"),
    row("processes", "django", pytest.mark.not_postgresql),
    row("ray", "popo"),
    row("ray", "django", pytest.mark.not_postgresql),
]


def pytest_collection_modifyitems(config, items):
    """A test marked one_runner shows what does not depend on the runner (what Commands
    refuses before anything is recorded; the domain's balance ceiling, a hundred
    requests deep): it runs on the single runner of each store only."""
    deselected = [
        item
        for item in items
        if item.get_closest_marker("one_runner")
        and getattr(item, "callspec", None)
        and item.callspec.params.get("system_row", ("single",))[0] != "single"
    ]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]


RUNNER_OPTIONS = {"processes": {"poll_interval": 0.05}, "ray": {"poll_interval": 0.05}}


@pytest.fixture(scope="session", autouse=True)
def shut_ray_down_at_the_end():
    yield
    import sys

    if "ray" in sys.modules:
        sys.modules["ray"].shutdown()


# Starting processes or Ray actors takes seconds: those runners start once per session
# and serve every test of their row; each test ends only once the system is idle, so
# that the database is emptied between tests under workers with nothing in hand.
SHARED = {"processes", "ray"}


@pytest.fixture(scope="package", params=SYSTEM_ROWS)
def system_row(request):
    return request.param


@pytest.fixture(scope="package")
def shared_runners(django_db_setup, django_db_blocker):
    runners = {}
    yield runners, django_db_blocker
    stop_shared_runners(runners, django_db_blocker)


def stop_shared_runners(runners, blocker, keep=None):
    for row in [r for r in runners if r != keep]:
        with blocker.unblock():
            runners.pop(row).stop()


@pytest.fixture(autouse=True)
def one_system_at_a_time(request, shared_runners):
    """Two systems on one database would each process the other's requests: before a
    test, every shared runner but its own stops."""
    callspec = getattr(request.node, "callspec", None)
    keep = callspec.params.get("system_row") if callspec else None
    stop_shared_runners(*shared_runners, keep=keep)


@pytest.fixture
def runner(system_row, shared_runners):
    runner_name, persistence = system_row
    options = RUNNER_OPTIONS.get(runner_name, {})
    if runner_name not in SHARED:
        with make_runner(runner_name, persistence, **options) as runner:
            yield runner
        if persistence == "django":
            close_connections_left_by_threads()
        return
    runners, blocker = shared_runners
    if system_row not in runners:
        with blocker.unblock():
            runners[system_row] = make_runner(runner_name, persistence, **options)
            runners[system_row].start()
    yield runners[system_row]
    if persistence == "django":
        from tests.readmodels.checks import wait_for_read_models

        wait_for_read_models()


def wait_for_saga(sagas, saga_id, timeout=SETTLE_TIMEOUT):
    """The saga once it is final, polling with a bounded timeout."""
    deadline = time.monotonic() + timeout
    interval = 0.002
    while True:
        try:
            saga = sagas.get_saga(saga_id)
        except AggregateNotFoundError:
            saga = None
        if saga is not None and saga.is_final:
            return saga
        if time.monotonic() > deadline:
            raise TimeoutError(f"saga {saga_id} not final after {timeout}s: {saga and vars(saga)}")
        time.sleep(interval)
        interval = min(interval * 2, 0.05)


class Bank:
    """The system as a test drives it: submit through Commands, wait for sagas, read Accounts."""

    def __init__(self, runner):
        self.commands = runner.get(Commands)
        self.sagas = runner.get(Sagas)
        self.accounts = runner.get(Accounts)

    def wait_for(self, saga_id, timeout=SETTLE_TIMEOUT):
        return wait_for_saga(self.sagas, saga_id, timeout)

    def open_account(self, full_name="", email_address=""):
        account_id = self.commands.open_account(full_name, email_address)
        assert self.wait_for(account_id).has_succeeded
        return account_id

    def balance(self, *account_ids):
        balances = tuple(self.accounts.get_balance(a) for a in account_ids)
        return balances[0] if len(balances) == 1 else balances


@pytest.fixture
def bank(runner):
    return Bank(runner)
