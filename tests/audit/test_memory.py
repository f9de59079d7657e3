"""verifyledger streams: its peak memory does not grow with the number of events.

It keeps one small record per account, so both sizes of store have the same accounts.
"""

import json
import os
import subprocess
import sys

import pytest

from infrastructure.childprocess import database_settings
from tests.worker.conftest import PROJECT_DIR

pytestmark = pytest.mark.django_db(transaction=True)

MEASURE = """
import json, time, tracemalloc
import django
django.setup()
from audit.verification import LedgerVerifier

def peak_rss_kib():
    # VmHWM is this process's own peak; getrusage's ru_maxrss would be its parent's
    # (pytest's, which grows as the test adds traffic) whenever that was higher, as
    # Linux carries it across fork and exec.
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))

tracemalloc.start()
started = time.perf_counter()
report = LedgerVerifier().verify()

seconds = time.perf_counter() - started
print(json.dumps({
    "consistent": report.is_consistent,
    "events": report.events_checked,
    "seconds": seconds,
    "peak_rss_kib": peak_rss_kib(),
    "python_peak_kib": tracemalloc.get_traced_memory()[1] // 1024,
}))
"""


def verify_in_a_process():
    """Verification in a fresh process, so that its peak memory is its own."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "BANK_TEST_DATABASE": json.dumps(database_settings()),
    }
    output = subprocess.run(
        [sys.executable, "-c", MEASURE], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(output.stdout.splitlines()[-1])


def add_traffic(commands, account_ids, transfers, carry_out):
    """Transfers, carried out a hundred at a time, as a worker keeping up would: what the
    verification holds in memory besides the accounts is the requests in flight."""
    for n in range(transfers):
        debit, credit = account_ids[n % len(account_ids)], account_ids[(n * 7 + 1) % len(account_ids)]
        if debit != credit:
            commands.transfer_funds(debit, credit, "1.00")
        else:
            commands.deposit_funds(debit, "2.00")
        if n % 100 == 99:
            carry_out()
    carry_out()


def test_peak_memory_stays_flat_as_the_store_grows(commands, carry_out):
    account_ids = [commands.open_account(f"Customer {n}") for n in range(20)]
    for account_id in account_ids:
        commands.deposit_funds(account_id, "1000.00")
    add_traffic(commands, account_ids, 1500, carry_out)  # every log fills a page (PAGE_SIZE)
    small = verify_in_a_process()
    add_traffic(commands, account_ids, 4500, carry_out)
    large = verify_in_a_process()

    assert small["consistent"] and large["consistent"]
    assert large["events"] > 3.5 * small["events"]
    print(f"small {small}, large {large}")
    # What the verification itself holds (accounts, requests in flight, a page of each log)...
    python_growth = large["python_peak_kib"] - small["python_peak_kib"]
    assert python_growth < 2 * 1024, f"Python objects' peak grew by {python_growth} KiB: {small} → {large}"
    # ...and the whole process, database driver included: under 1.5 MiB here on every
    # database, where holding even 300 bytes an event would add 9 MiB.
    rss_growth = large["peak_rss_kib"] - small["peak_rss_kib"]
    assert rss_growth < 8 * 1024, f"peak RSS grew by {rss_growth} KiB: {small} → {large}"
