"""Measures verifyledger alone on a filled store (not part of the test suite).

    .venv/bin/python benchmarks/verify.py --fill 5000          # empty the store, fill it, then verify
    .venv/bin/python benchmarks/verify.py --repeat 3           # verify the store as it is, three times
    .venv/bin/python benchmarks/verify.py --profile out.prof   # and keep a cProfile of one pass

The store is DATABASE_URL's (default: MariaDB's bank_verify). --fill empties it, opens accounts,
then submits transfers (and some deposits and withdrawals that fail for want of funds) and has
the worker's applications carry them out in this process, read models included, as the
benchmark's worker would. Each pass is timed as benchmarks/run.py times verify_events_per_s
(LedgerVerifier().verify(), read models compared), and printed as events per second of wall
time and per CPU-second of this process and of the database server (mariadbd, or the
connection's PostgreSQL backend).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

PROJECT_DIR = Path(__file__).resolve().parents[1]
DEFAULT_URL = "mysql://root@127.0.0.1:3306/bank_verify"


def set_up_django(fill: bool) -> None:
    url = os.environ.setdefault("DATABASE_URL", DEFAULT_URL)
    os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-" + uuid4().hex)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bankproject.settings"
    os.environ.setdefault("BANK_LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(PROJECT_DIR))
    if fill and url.startswith("mysql://"):
        import MySQLdb

        name = url.rsplit("/", 1)[-1]
        server = MySQLdb.connect(host="127.0.0.1", user="root", port=3306)
        server.cursor().execute(f"DROP DATABASE IF EXISTS `{name}`")
        server.cursor().execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        server.close()
    elif fill and url.startswith("postgres://"):
        import psycopg

        name = url.rsplit("/", 1)[-1]
        with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as server:
            server.execute(f'DROP DATABASE IF EXISTS "{name}"')
            server.execute(f'CREATE DATABASE "{name}"')
    elif fill and url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite://")).unlink(missing_ok=True)
    elif fill:
        raise SystemExit("--fill empties MariaDB, PostgreSQL or SQLite stores only")
    import django
    from django.core.management import call_command

    django.setup()
    if fill:
        call_command("migrate", verbosity=0)


def fill(transfers: int, accounts: int) -> None:
    from bankproject.system import BankAccountSystem, persistence_env, recorded_commands
    from infrastructure.worker import Worker

    commands = recorded_commands()
    worker = Worker(BankAccountSystem(read_models=True), persistence_env("django"))
    try:
        account_ids = [commands.open_account(f"Customer {n}", f"c{n}@example.com") for n in range(accounts)]
        for account_id in account_ids:
            commands.deposit_funds(account_id, Decimal("1000.00"))
        worker.process_all_pending()
        rng = random.Random(1)
        for n in range(transfers):
            debit, credit = rng.sample(account_ids, 2)
            if n % 50 == 0:
                commands.withdraw_funds(debit, Decimal("100000.00"))  # fails: insufficient funds
            commands.transfer_funds(debit, credit, Decimal(rng.randrange(1, 10000)) / 100)
            if n % 200 == 199:
                worker.process_all_pending()
                print(f"  {n + 1} transfers", file=sys.stderr, end="\r")
        worker.process_all_pending()
    finally:
        worker.stop()


def db_cpu() -> float:
    """CPU seconds (user and system) of the database server: all of mariadbd (other clients'
    work included), or this connection's PostgreSQL backend; NaN on SQLite (in-process)."""
    from django.db import connection

    from benchmarks.work import cpu_seconds, mariadb_pid

    if connection.vendor == "mysql":
        pid = mariadb_pid()
    elif connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
    else:
        pid = None
    return cpu_seconds(pid) if pid else float("nan")


def one_pass(profile: str | None = None) -> dict[str, float]:
    from audit.verification import LedgerVerifier

    verifier = LedgerVerifier()
    db_before = db_cpu()
    cpu_before, started = time.process_time(), time.perf_counter()
    if profile:
        import cProfile

        with cProfile.Profile() as profiler:
            report = verifier.verify()
        profiler.dump_stats(profile)
    else:
        report = verifier.verify()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_before
    db_cpu_used = db_cpu() - db_before
    events = report.events_checked
    return {
        "events": events,
        "discrepancies": len(report.discrepancies),
        "wall_s": round(wall, 3),
        "cpu_s": round(cpu, 3),
        "db_cpu_s": round(db_cpu_used, 3),
        "events_per_s": round(events / wall),
        "events_per_cpu_s": round(events / cpu),
        "events_per_db_cpu_s": round(events / db_cpu_used) if db_cpu_used > 0 else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fill", type=int, metavar="TRANSFERS", help="empty the store and fill it first")
    parser.add_argument("--accounts", type=int, default=200, help="accounts --fill opens (default 200)")
    parser.add_argument("--repeat", type=int, default=1, help="passes to time (default 1)")
    parser.add_argument("--profile", metavar="PATH", help="write a cProfile of the first pass to PATH")
    args = parser.parse_args()
    set_up_django(fill=args.fill is not None)
    if args.fill is not None:
        started = time.perf_counter()
        fill(args.fill, args.accounts)
        print(f"filled in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    from django.db import connection

    print(f"verifyledger on {connection.vendor} ({connection.settings_dict['NAME']})")
    for n in range(args.repeat):
        figures = one_pass(args.profile if n == 0 else None)
        print(json.dumps(figures))
        if figures["discrepancies"]:
            raise SystemExit("the filled store has discrepancies")


if __name__ == "__main__":
    main()
