"""Measures the bank end to end on MariaDB and prints the figures (not part of the test suite).

    .venv/bin/python benchmarks/run.py           # the full run
    .venv/bin/python benchmarks/run.py --quick   # a reduced run, a few minutes

It uses its own database (BENCH_DATABASE_URL, default mysql://root@127.0.0.1:3306/bank_bench),
emptied first, with durable commits (innodb_flush_log_at_trx_commit=1), and the real worker
(manage.py runsystem) in separate processes (--layout, see LAYOUTS). It prints a table, writes
the same figures as JSON under benchmarks/results/, and prints one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from benchmarks.layouts import LAYOUTS, start_ray_cluster, start_workers  # noqa: E402
from benchmarks.pages import page_ms  # noqa: E402
from benchmarks.stats import percentile  # noqa: E402
from benchmarks.work import WorkMeter  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parents[1]
RESULTS_DIR = PROJECT_DIR / "benchmarks" / "results"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/bank_bench")

SIZES = {
    "full": {
        "accounts": 1000,
        "transfers": 10000,
        "latency_seconds": 20,
        "page_accounts": 100_000,
        "page_entries": 1_000_000,
        "history": 100_000,
    },
    "quick": {
        "accounts": 200,
        "transfers": 1000,
        "latency_seconds": 6,
        "page_accounts": 10_000,
        "page_entries": 100_000,
        "history": 10_000,
    },
}


def set_up_django() -> None:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + uuid4().hex)
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bankproject.settings"
    os.environ.setdefault("DJANGO_SSL_REDIRECT", "0")
    os.environ.setdefault("BANK_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(PROJECT_DIR))
    import MySQLdb

    server = MySQLdb.connect(host="127.0.0.1", user="root", port=3306)
    cursor = server.cursor()
    name = DATABASE_URL.rsplit("/", 1)[-1]
    cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    cursor.execute("SET GLOBAL innodb_flush_log_at_trx_commit = 1")
    server.close()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    # Pages are served as in production (debug off): their static files' manifest must exist.
    call_command("collectstatic", interactive=False, verbosity=0)


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1)


def db_commits_per_s(seconds: float) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_commits (id BIGINT AUTO_INCREMENT PRIMARY KEY, v INT)"
        )
        count, started = 0, time.perf_counter()
        while time.perf_counter() - started < seconds:
            cursor.execute("INSERT INTO bench_commits (v) VALUES (%s)", [count])  # autocommit: one commit
            count += 1
        return rate(count, time.perf_counter() - started)


def saves_per_s(seconds: float) -> float:
    from accounts.application import SimpleBankAccountApplication
    from bankproject.system import persistence_env

    app = SimpleBankAccountApplication(env=persistence_env("django"))
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        app.create_account("Saver")
        count += 1
    return rate(count, time.perf_counter() - started)


def wait_until_settled(timeout: float = 3600) -> None:
    from infrastructure.status import follower_positions
    from infrastructure.system import configured_system

    system = configured_system(read_models=True)  # settings.BANK_SYSTEM's (see benchmarks/partitions.py)
    deadline = time.monotonic() + timeout
    while any(p.lag for p in follower_positions(system)):
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not catch up")
        time.sleep(0.1)  # a coarser poll would blur the end; a finer one loads the database


def transfers_per_s(accounts: int, transfers: int, meter: WorkMeter) -> float:
    import random

    from bankproject.system import recorded_commands

    commands = recorded_commands()
    account_ids = [commands.open_account(f"Customer {n}") for n in range(accounts)]
    for account_id in account_ids:
        commands.deposit_funds(account_id, Decimal("1000000.00"))
    wait_until_settled()
    rng = random.Random(1)
    with meter:
        started = time.perf_counter()
        for _ in range(transfers):
            debit, credit = rng.sample(account_ids, 2)
            commands.transfer_funds(debit, credit, Decimal(rng.randrange(1, 10000)) / 100)
        wait_until_settled()
        elapsed = time.perf_counter() - started
    return rate(transfers, elapsed)


def latency_ms(seconds: float, per_second: int = 50) -> dict[str, float]:
    from bankproject.system import recorded_commands
    from sagas.models import SagaSummary

    commands = recorded_commands()
    account_id = commands.open_account("Latency")
    wait_until_settled()
    saga_ids, started = [], time.perf_counter()
    for n in range(int(seconds * per_second)):
        wait = started + n / per_second - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        saga_ids.append(commands.deposit_funds(account_id, Decimal("1.00")))
    wait_until_settled()
    summaries = SagaSummary.objects.filter(saga_id__in=saga_ids)
    latencies = sorted((s.finished_at - s.created_at).total_seconds() * 1000 for s in summaries)
    return {f"p{p}_ms": round(percentile(latencies, p), 1) for p in (50, 95, 99)}


def verify_events_per_s() -> dict[str, float]:
    """verifyledger's pass over the store the transfers left, read models compared too."""
    from audit.verification import LedgerVerifier

    started = time.perf_counter()
    report = LedgerVerifier().verify()
    seconds = time.perf_counter() - started
    return {
        "verify_events_per_s": rate(report.events_checked, seconds),
        "verify_events": report.events_checked,
        "verify_discrepancies": len(report.discrepancies),
    }


def account_load_ms(transactions: int, repeats: int = 20) -> float:
    from accounts.application import SimpleBankAccountApplication
    from bankproject.system import persistence_env

    app = SimpleBankAccountApplication(env=persistence_env("django"))
    account_id = app.create_account("Long history")
    account = app.get_account(account_id)
    done = 0
    while done < transactions:
        for _ in range(min(100, transactions - done)):
            account.credit(Decimal("1.00"))
        app.save(account)
        done = min(done + 100, transactions)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        loaded = app.get_account(account_id)
        timings.append((time.perf_counter() - started) * 1000)
    assert loaded.balance == transactions
    return round(statistics.median(timings), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a reduced run of a few minutes")
    parser.add_argument(
        "--layout",
        choices=sorted(LAYOUTS),
        default="split",
        help="how runsystem runs the applications (default: split, two worker processes)",
    )
    args = parser.parse_args()
    size = SIZES["quick" if args.quick else "full"]
    set_up_django()

    figures: dict[str, object] = {
        "mode": "quick" if args.quick else "full",
        "layout": args.layout,
        "sizes": size,
    }
    figures["db_commits_per_s"] = db_commits_per_s(3)
    figures["saves_per_s"] = saves_per_s(3)
    cluster, ray_address = start_ray_cluster() if args.layout == "ray-cluster" else (None, None)
    workers = start_workers(args.layout, ray_address)
    meter = WorkMeter(workers + ([cluster] if cluster else []))  # the actors run in the cluster's nodes
    try:
        figures["transfers_per_s"] = transfers_per_s(size["accounts"], size["transfers"], meter)
        figures.update(meter.per(size["transfers"]))
        figures["latency_ms"] = latency_ms(size["latency_seconds"])
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        if cluster:
            cluster.terminate()
            cluster.wait(timeout=60)
    figures["p99_ms"] = figures["latency_ms"]["p99_ms"]
    figures.update(verify_events_per_s())  # before the page figures add rows that no event made
    figures["transfers_per_db_commit"] = round(figures["transfers_per_s"] / figures["db_commits_per_s"], 3)
    figures["transfers_per_save"] = round(figures["transfers_per_s"] / figures["saves_per_s"], 3)
    figures["page_ms"] = page_ms(size["page_accounts"], size["page_entries"])
    figures["account_load_ms"] = account_load_ms(size["history"])

    report(figures)


def report(figures: dict) -> None:
    """Prints the figures as a table and as one JSON line last, and keeps them in RESULTS_DIR."""
    print(f"{'figure':<28} value")
    for name in (
        "db_commits_per_s",
        "saves_per_s",
        "transfers_per_s",
        "transfers_per_db_commit",
        "transfers_per_save",
        "cpu_ms_per_transfer",
        "db_cpu_ms_per_transfer",
        "submit_cpu_ms_per_transfer",
        "statements_per_transfer",
        "verify_events_per_s",
        "verify_events",
        "verify_discrepancies",
        "account_load_ms",
    ):
        print(f"{name:<28} {figures[name]}")
    for name, value in figures["latency_ms"].items():
        print(f"{'latency ' + name:<28} {value}")
    for page, value in figures["page_ms"].items():
        print(f"{'page_ms ' + page:<28} p50 {value['p50']}  p95 {value['p95']}")
    keep(figures, figures["mode"])


def keep(figures: dict, kind: str) -> None:
    """Writes the figures under RESULTS_DIR, named by the time and kind, and prints them as one JSON line."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS_DIR / f"{stamp}-{kind}.json").write_text(json.dumps(figures, indent=2))
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
