"""A rebuild of the read models never stops the money: while it replays every event into
its shadow tables, Sagas and Accounts go on carrying out requests, and pages show the old rows."""

import io
import re
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import AccountSummary, BankTotals, LedgerEntry
from infrastructure.childprocess import database_settings
from infrastructure.management.commands.rebuild_read_models import Command as Rebuild
from sagas.models import SagaSummary
from tests.readmodels.checks import check_read_models, wait_for_read_models
from tests.system.workload import submit_random_requests, wait_until_final

LOCK_WAIT_TIMEOUT = 1  # second, in the worker's sessions: far shorter than the rebuild
REBUILD_ROUND_PAUSE = 1.0  # seconds added to each of its five or more rounds, so that it outlasts the timeout
LOCK_WAIT_ERRORS = re.compile(r"1205|Lock wait timeout|lock timeout", re.IGNORECASE)


def with_short_lock_waits(database):
    options = dict(database.get("OPTIONS", {}))
    if database["ENGINE"].endswith("mysql"):
        options["init_command"] = f"SET SESSION innodb_lock_wait_timeout={LOCK_WAIT_TIMEOUT}"
    else:
        options["options"] = f"-c lock_timeout={LOCK_WAIT_TIMEOUT * 1000}"
    return {**database, "OPTIONS": options}


@pytest.mark.mariadb
@pytest.mark.postgresql
def test_requests_keep_completing_during_a_rebuild_longer_than_the_lock_wait_timeout(
    bank, start_worker, monkeypatch
):
    worker = start_worker(database=with_short_lock_waits(database_settings()))
    accounts = [bank.commands.open_account(f"Customer {n}") for n in range(10)]
    wait_until_final(bank.sagas, accounts, timeout=60)
    earlier = submit_random_requests(bank.commands, accounts, count=300, seed=21)
    wait_until_final(bank.sagas, earlier.requests, timeout=120)

    progress = Rebuild.progress

    def slow_progress(self, done, total):
        time.sleep(REBUILD_ROUND_PAUSE)
        progress(self, done, total)

    monkeypatch.setattr(Rebuild, "progress", slow_progress)
    rebuild_time = []

    def rebuild():
        started = time.monotonic()
        try:
            call_command("rebuild_read_models")
        finally:
            rebuild_time.append(time.monotonic() - started)
            connection.close()

    rebuilding = threading.Thread(target=rebuild)
    rebuilding.start()
    time.sleep(0.5)  # well into its replay
    completed_during_the_rebuild = []
    while rebuilding.is_alive():
        deposit = bank.commands.deposit_funds(accounts[0], "1")
        wait_until_final(bank.sagas, [deposit], timeout=30)
        if rebuilding.is_alive():
            completed_during_the_rebuild.append(deposit)
    rebuilding.join()

    assert rebuild_time[0] > 3 * LOCK_WAIT_TIMEOUT
    assert len(completed_during_the_rebuild) >= 3, (len(completed_during_the_rebuild), rebuild_time)
    failures = [
        r
        for r in log_records(worker.logs())
        if re.match(r"\S+ \S+ ERROR bank.worker: (Sagas|Accounts) failed", r)
    ]
    assert not [r for r in failures if LOCK_WAIT_ERRORS.search(r)], "the money path waited for the rebuild"
    check_read_models(bank.accounts, bank.sagas, accounts, [*earlier.requests, *completed_during_the_rebuild])


def log_records(log):
    """The worker's log records, each with its traceback."""
    return re.split(r"\n(?=\d{4}-\d\d-\d\d )", log)


SQLITE_BUSY_TIMEOUT = 2  # seconds a writer waits for SQLite's one write lock, in the worker and here
SQLITE_ROUND_PAUSE = 1.5  # seconds added to each of its six or more rounds: twice the busy timeout or more
LOCKED = re.compile(r"database is locked", re.IGNORECASE)


def shown_rows():
    """How many rows the pages can show: never fewer during a rebuild than before it."""
    return {model.__name__: model.objects.count() for model in (AccountSummary, LedgerEntry, SagaSummary)}


@pytest.mark.sqlite
def test_on_sqlite_transfers_and_pages_carry_on_during_a_rebuild_longer_than_the_busy_timeout(
    bank, start_worker, monkeypatch
):
    database = database_settings()
    worker = start_worker(
        database={**database, "OPTIONS": {**database["OPTIONS"], "timeout": SQLITE_BUSY_TIMEOUT}}
    )
    # This thread records requests as the web process does, and waits no longer either (the
    # pragma is its connection's own: the rebuild's thread keeps the settings' timeout).
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT * 1000}")
    accounts = [bank.commands.open_account(f"Customer {n}") for n in range(10)]
    wait_until_final(bank.sagas, accounts, timeout=60)
    earlier = submit_random_requests(bank.commands, accounts, count=300, seed=21)
    wait_until_final(bank.sagas, earlier.requests, timeout=120)
    wait_for_read_models()
    before = shown_rows()
    totals_before = BankTotals.objects.get()

    progress = Rebuild.progress

    def slow_progress(self, done, total):
        time.sleep(SQLITE_ROUND_PAUSE)
        progress(self, done, total)

    monkeypatch.setattr(Rebuild, "progress", slow_progress)
    rebuild_time, rebuild_errors = [], []

    def rebuild():
        started = time.monotonic()
        try:
            call_command("rebuild_read_models", stdout=io.StringIO())
        except BaseException as error:
            rebuild_errors.append(error)
            raise
        finally:
            rebuild_time.append(time.monotonic() - started)
            connection.close()

    rebuilding = threading.Thread(target=rebuild)
    rebuilding.start()
    completed_during_the_rebuild = []
    shown_during_the_rebuild = []
    while rebuilding.is_alive():
        transfer = bank.commands.transfer_funds(accounts[0], accounts[1], "1")
        wait_until_final(bank.sagas, [transfer], timeout=30)
        shown = shown_rows()
        if rebuilding.is_alive():
            completed_during_the_rebuild.append(transfer)
            shown_during_the_rebuild.append(shown)
    rebuilding.join()

    assert not rebuild_errors
    assert rebuild_time[0] > 3 * SQLITE_BUSY_TIMEOUT
    assert len(completed_during_the_rebuild) >= 3, (len(completed_during_the_rebuild), rebuild_time)
    # Pages showed the old rows (and those the live projections added) until the new ones were complete.
    for shown in shown_during_the_rebuild:
        assert all(shown[name] >= count for name, count in before.items()), (before, shown)
    assert totals_before.account_count == BankTotals.objects.get().account_count
    locked = [r for r in log_records(worker.logs()) if LOCKED.search(r)]
    assert not locked, f"a worker's writer waited out the busy timeout: {locked[:2]}"
    check_read_models(bank.accounts, bank.sagas, accounts, [*earlier.requests, *completed_during_the_rebuild])
