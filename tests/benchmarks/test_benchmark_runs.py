"""The benchmark harness runs (its figures are printed, never asserted)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[2]


def run_quick(script):
    """The benchmark script's --quick run: the figures of its last line."""
    result = subprocess.run(
        [sys.executable, script, "--quick"], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.mariadb
def test_the_quick_benchmark_runs_and_prints_its_figures():
    figures = run_quick("benchmarks/run.py")
    assert {
        "db_commits_per_s",
        "saves_per_s",
        "transfers_per_s",
        "p99_ms",
        "cpu_ms_per_transfer",
        "db_cpu_ms_per_transfer",
        "statements_per_transfer",
        "transfers_per_save",
    } <= set(figures)
    assert set(figures["page_ms"]) == {"accounts_list", "account_page", "admin_dashboard"}


@pytest.mark.mariadb
def test_the_partitions_benchmark_runs_both_variants_and_prints_their_figures():
    figures = run_quick("benchmarks/partitions.py")
    assert set(figures["medians"]) == {"one Accounts", "two partitions"}
    for runs in figures["runs"].values():
        assert len(runs) == figures["rounds"] == 2
        assert all(
            {"transfers_per_s", "cpu_ms_per_transfer", "statements_per_transfer"} <= set(r) for r in runs
        )
