"""No half-alive worker: a follower that dies takes the worker down with a non-zero exit, so
that a supervisor restarts it; children of the processes runner die with their parent."""

import os
import signal
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.application import Accounts
from tests.system.workload import wait_until_final
from tests.worker.conftest import wait_until
from tests.worker.processes import alive, children_of, command_line, descendants_of


class FollowerThreadKilled(BaseException):
    """Not an Exception: nothing in the follower's loop may catch it."""


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # it dies on purpose
@pytest.mark.django_db(transaction=True)
def test_a_follower_thread_that_dies_ends_the_worker_with_a_non_zero_exit(bank, monkeypatch):
    account = bank.commands.open_account("Alice")
    bank.commands.deposit_funds(account, "10")

    def dies(self, account_id, **kwargs):
        raise FollowerThreadKilled

    monkeypatch.setattr(Accounts, "get_account", dies)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)}
    started = time.monotonic()
    try:
        with pytest.raises(CommandError, match="Accounts") as raised:
            call_command("runsystem", "--poll-interval", "0.05", "--apps", "Sagas,Accounts")
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert raised.value.returncode == 1
    assert time.monotonic() - started < 60


@pytest.mark.not_postgresql
def test_children_of_the_processes_runner_end_when_its_parent_is_killed(bank, start_worker):
    worker = start_worker("--runner", "processes")
    account = bank.commands.open_account("Alice")
    wait_until_final(bank.sagas, [account], timeout=60)
    wait_until(lambda: len(children_of(worker.process.pid)) >= 4, message="a child per application")
    children = children_of(worker.process.pid)
    worker.kill()
    wait_until(lambda: not any(alive(child) for child in children), timeout=10, message="no child left")
    assert os.getpid() not in children


@pytest.mark.not_postgresql
def test_the_private_ray_of_a_killed_ray_worker_ends_with_it(bank, start_worker):
    """Ray's own processes (gcs_server, raylet, the dashboard and runtime-env agents, the
    actors' workers, the log monitor) end when the worker that started them is killed."""
    worker = start_worker("--runner", "ray")
    account = bank.commands.open_account("Alice")
    wait_until_final(bank.sagas, [account], timeout=90)
    ray_processes = descendants_of(worker.process.pid)
    names = " ".join(command_line(pid) for pid in ray_processes)
    for name in ("gcs_server", "raylet", "ray::DashboardAgent", "ray::RuntimeEnvAgent", "ApplicationActor"):
        assert name in names, f"no {name} among the worker's processes: {names}"
    worker.kill()
    deadline = time.monotonic() + 10
    while any(alive(pid) for pid in ray_processes) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = {pid: command_line(pid) for pid in ray_processes if alive(pid)}
    for pid in left:  # not to leave them to the next tests
        os.kill(pid, signal.SIGKILL)
    assert left == {}, "Ray processes left 10 s after the worker was killed"
