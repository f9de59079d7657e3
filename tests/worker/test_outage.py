"""A database outage longer than the retry delay's cap, made by cutting a TCP proxy between
the worker and the database: the worker resumes within a few seconds of the database coming
back, every request ends, money is conserved, and systemstatus tells the outage apart."""

import json
import os
import subprocess
import sys
import time

import pytest

from infrastructure.childprocess import database_settings
from infrastructure.worker import RETRY_DELAY_CAP
from tests.readmodels.checks import check_read_models, wait_for_read_models
from tests.system.workload import Workload, check_invariants, submit_random_requests, wait_until_final
from tests.worker.conftest import PROJECT_DIR
from tests.worker.proxy import DatabaseProxy

OUTAGE = 4 * RETRY_DELAY_CAP  # seconds: the retry delay reaches its cap, and stays there a while


def systemstatus(database):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "BANK_TEST_DATABASE": json.dumps(database),
    }
    return subprocess.run(
        [sys.executable, "manage.py", "systemstatus", "--wait", "0"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.mariadb
@pytest.mark.postgresql
def test_the_worker_resumes_within_seconds_after_an_outage_longer_than_its_retry_cap(bank, start_worker):
    direct = database_settings()
    proxy = DatabaseProxy(direct["HOST"] or "127.0.0.1", int(direct["PORT"]))
    proxy.open()
    through_proxy = {**direct, "HOST": "127.0.0.1", "PORT": proxy.port}
    try:
        start_worker(database=through_proxy)
        accounts = [bank.commands.open_account(f"Customer {n}") for n in range(10)]
        wait_until_final(bank.sagas, accounts, timeout=60)
        before = submit_random_requests(bank.commands, accounts, count=150, seed=11)

        proxy.cut()  # in the middle of the work, most likely
        cut_at = time.monotonic()
        during = submit_random_requests(bank.commands, accounts, count=50, seed=12)
        down = systemstatus(through_proxy)
        assert down.returncode == 2, down.stderr
        assert "database unreachable" in down.stderr and "Traceback" not in down.stderr
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - cut_at)))

        proxy.reopen()
        reopened_at = time.monotonic()
        wait_until_final(bank.sagas, during.requests, timeout=60)
        resumed_in = time.monotonic() - reopened_at
        print(f"outage {OUTAGE:.0f} s; every request recorded during it final {resumed_in:.1f} s after")
        assert resumed_in < 6, f"took {resumed_in:.1f} s to carry out the requests recorded during the outage"

        both = Workload(
            requests={**before.requests, **during.requests},
            account_ids=list(dict.fromkeys([*before.account_ids, *during.account_ids])),
        )
        check_invariants(bank.accounts, bank.sagas, both)
        check_read_models(bank.accounts, bank.sagas, both.account_ids, list(both.requests))
        wait_for_read_models()
        healthy = systemstatus(through_proxy)
        assert healthy.returncode == 0, healthy.stdout + healthy.stderr
    finally:
        proxy.cut()
