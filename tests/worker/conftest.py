import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from accounts.application import Accounts
from bankproject.system import persistence_env
from infrastructure.childprocess import database_settings
from sagas.application import Commands, Sagas

PROJECT_DIR = Path(__file__).resolve().parents[2]


class WorkerProcess:
    """``manage.py runsystem`` as a real subprocess on the test database."""

    def __init__(self, log_dir: Path, *args: str, database: dict | None = None) -> None:
        self.log_dir = log_dir
        self.args = list(args)
        self.database = database  # the test database by default
        self.started = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.started += 1
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.settings",
            "BANK_TEST_DATABASE": json.dumps(self.database or database_settings()),
            "PYTHONUNBUFFERED": "1",
        }
        self.log = self.log_dir / f"worker-{self.started}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "runsystem", "--poll-interval", "0.05", *self.args],
                cwd=PROJECT_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self, timeout: float) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def logs(self) -> str:
        return "".join(p.read_text() for p in sorted(self.log_dir.glob("worker-*.log")))

    def stop(self) -> None:
        """Stops it cleanly: a worker killed outright can leave its Ray actors running
        for a while, processing the next test's requests."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


@pytest.fixture
def start_worker(tmp_path):
    """Starts runsystem subprocesses; kills whatever is left at the end of the test."""
    workers = []

    def start(*args, name="worker", database=None):
        log_dir = tmp_path / f"{name}-{len(workers)}"
        log_dir.mkdir()
        worker = WorkerProcess(log_dir, *args, database=database)
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


class Bank:
    """The web process's view: it records commands and reads what the worker did."""

    def __init__(self):
        env = persistence_env("django")
        self.commands = Commands(env=env)
        self.sagas = Sagas(env=env)
        self.accounts = Accounts(env=env)


@pytest.fixture
def bank(transactional_db):
    return Bank()


def wait_until(condition, timeout=60.0, message="condition"):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{message} not met within {timeout}s")
        time.sleep(0.02)
