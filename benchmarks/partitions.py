"""Measures the partitioned prototype beside one Accounts, in one sitting (not part of the test suite).

    .venv/bin/python benchmarks/partitions.py            # 3 rounds of 1,000 accounts and 5,000 transfers
    .venv/bin/python benchmarks/partitions.py --quick    # 2 rounds of 200 accounts and 1,000 transfers

Each variant runs as run.py runs its transfers (the same database, emptied first, durable
commits; accounts opened and funded, then transfers submitted as fast as one process can
and timed until every saga is final and the read models have caught up), in a process of
its own, the two variants taking turns (the first of each round alternating) so that the
machine's drift falls on both. The worker is two runsystem processes in both: the money
path (Sagas with Accounts, or with Accounts-0 and Accounts-1) and the projections.
It prints each run, then each variant's median, and one JSON object as its last line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: the project's packages

from benchmarks.run import keep  # noqa: E402

PROJECT_DIR = Path(__file__).resolve().parents[1]
PROJECTIONS = ["--apps", "AccountsProjection,SagasProjection"]
VARIANTS = {
    "one Accounts": (
        "bankproject.system.BankAccountSystem",
        [["--apps", "Sagas,Accounts"], PROJECTIONS],
    ),
    "two partitions": (
        "bankproject.partitions.PartitionedBankAccountSystem",
        [["--apps", "Sagas,Accounts-0,Accounts-1"], PROJECTIONS],
    ),
}
FIGURES = (
    "transfers_per_s",
    "cpu_ms_per_transfer",
    "db_cpu_ms_per_transfer",
    "statements_per_transfer",
)


def run_variant(variant: str, accounts: int, transfers: int) -> None:
    """One variant's run, in this process: prints its figures as a JSON line."""
    system, processes = VARIANTS[variant]
    os.environ["BANK_SYSTEM"] = system  # for this process's settings and the worker's
    from benchmarks.layouts import start_runsystems
    from benchmarks.run import set_up_django, transfers_per_s
    from benchmarks.work import WorkMeter

    set_up_django()
    workers = start_runsystems(processes)
    meter = WorkMeter(workers)
    try:
        figures = {"transfers_per_s": transfers_per_s(accounts, transfers, meter), **meter.per(transfers)}
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 200 accounts and 1,000 transfers")
    parser.add_argument("--variant", choices=sorted(VARIANTS), help=argparse.SUPPRESS)  # one run, in a child
    args = parser.parse_args()
    accounts, transfers, rounds = (200, 1000, 2) if args.quick else (1000, 5000, 3)
    if args.variant:
        run_variant(args.variant, accounts, transfers)
        return
    runs: dict[str, list[dict[str, float]]] = {variant: [] for variant in VARIANTS}
    for round_number in range(rounds):
        order = list(VARIANTS) if round_number % 2 == 0 else list(reversed(VARIANTS))
        for variant in order:
            command = [sys.executable, __file__, "--variant", variant] + (["--quick"] if args.quick else [])
            output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
            figures = json.loads(output.strip().splitlines()[-1])
            runs[variant].append(figures)
            print(f"round {round_number + 1}  {variant:<15}", "  ".join(f"{n} {figures[n]}" for n in FIGURES))
    medians = {
        variant: {name: round(statistics.median(run[name] for run in runs[variant]), 3) for name in FIGURES}
        for variant in VARIANTS
    }
    print(f"\n{'median of ' + str(rounds):<16}" + "".join(f"{variant:>18}" for variant in VARIANTS))
    for name in FIGURES:
        print(f"{name:<16}" + "".join(f"{medians[variant][name]:>18}" for variant in VARIANTS))
    result = {
        "accounts": accounts,
        "transfers": transfers,
        "rounds": rounds,
        "runs": runs,
        "medians": medians,
    }
    keep(result, "partitions")


if __name__ == "__main__":
    main()
