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

RUNNER_OPTIONS = {"processes": {"poll_interval": 0.05}, "ray": {"poll_interval": 0.05}}


@pytest.fixture(scope="session", autouse=True)
def shut_ray_down_at_the_end():
    yield
    import sys

    if "ray" in sys.modules:
        sys.modules["ray"].shutdown()


@pytest.fixture(params=SYSTEM_ROWS)
def runner(request):
    runner_name, persistence = request.param
    with make_runner(runner_name, persistence, **RUNNER_OPTIONS.get(runner_name, {})) as runner:
        yield runner
    if persistence == "django":
        close_connections_left_by_threads()


class Bank:
    """The system as a test drives it: submit through Commands, wait for sagas, read Accounts."""

    def __init__(self, runner):
        self.commands = runner.get(Commands)
        self.sagas = runner.get(Sagas)
        self.accounts = runner.get(Accounts)

    def wait_for(self, saga_id, timeout=SETTLE_TIMEOUT):
        """The saga once it is final, polling with a bounded timeout."""
        deadline = time.monotonic() + timeout
        interval = 0.002
        while True:
            try:
                saga = self.sagas.get_saga(saga_id)
            except AggregateNotFoundError:
                saga = None
            if saga is not None and saga.is_final:
                return saga
            if time.monotonic() > deadline:
                raise TimeoutError(f"saga {saga_id} not final after {timeout}s: {saga and vars(saga)}")
            time.sleep(interval)
            interval = min(interval * 2, 0.05)

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
