import json

import pytest
from django.core.management import CommandError, call_command

from bankproject.system import BankAccountSystem, persistence_env, recorded_commands
from infrastructure.worker import Worker
from tests.worker.conftest import start_worker  # noqa: F401 (runsystem as a subprocess)


@pytest.fixture
def carry_out(transactional_db):
    """Does the worker's job in this process: carries out every recorded request."""
    worker = Worker(BankAccountSystem(read_models=True), persistence_env("django"))
    yield worker.process_all_pending
    worker.stop()


@pytest.fixture
def commands():
    return recorded_commands()


def verifyledger(tmp_path, *args):
    """Runs verifyledger; returns its exit code and its JSON report."""
    report_path = tmp_path / "report.json"
    try:
        call_command("verifyledger", "--no-progress", "--json", str(report_path), *args)
        code = 0
    except CommandError as error:
        code = error.returncode
    return code, json.loads(report_path.read_text())


def discrepancies(report, check):
    return [d for d in report["discrepancies"] if d["check"] == check]
