"""The worker's own rules: retry what fails without skipping it, run only what it is told."""

import logging
import threading
from decimal import Decimal

import pytest
from eventsourcing.application import AggregateNotFoundError

from accounts.application import Accounts
from bankproject.system import BankAccountSystem, make_runner, persistence_env
from infrastructure.worker import Worker
from tests.worker.conftest import wait_until

D = Decimal


@pytest.mark.django_db(transaction=True)
def test_a_failing_notification_is_retried_and_held_up_only_its_follower(bank, monkeypatch, caplog):
    account = bank.commands.open_account("Alice")
    worker = Worker(BankAccountSystem(), persistence_env("django"), poll_interval=0.05)
    worker.start()
    try:
        wait_until(lambda: exists(bank.sagas, account) and bank.sagas.get_saga(account).is_final)

        failures_left = [3]
        get_account = Accounts.get_account
        lock = threading.Lock()

        def flaky_get_account(self, account_id, **kwargs):
            with lock:
                if failures_left[0]:
                    failures_left[0] -= 1
                    raise ConnectionError("database went away")
            return get_account(self, account_id, **kwargs)

        monkeypatch.setattr(Accounts, "get_account", flaky_get_account)
        caplog.set_level(logging.ERROR, logger="bank.worker")
        held_up = bank.commands.deposit_funds(account, D("10.00"))
        behind_it = bank.commands.deposit_funds(account, D("5.00"))

        # Sagas goes on while Accounts retries: the second saga starts.
        wait_until(lambda: exists(bank.sagas, behind_it), message="Sagas processing on")
        wait_until(lambda: bank.sagas.get_saga(behind_it).is_final, timeout=30)
        assert failures_left == [0]
        assert bank.sagas.get_saga(held_up).has_succeeded
        assert bank.sagas.get_saga(behind_it).has_succeeded
        assert bank.accounts.get_balance(account) == D("15.00")
        retried = [r for r in caplog.records if "Accounts failed on notification" in r.getMessage()]
        assert len(retried) == 3
        assert all("of Sagas" in r.getMessage() and "retrying" in r.getMessage() for r in retried)
    finally:
        worker.stop()


def exists(sagas, saga_id):
    try:
        sagas.get_saga(saga_id)
    except AggregateNotFoundError:
        return False
    return True


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_only_the_applications_it_is_given(bank):
    worker = Worker(BankAccountSystem(), persistence_env("django"), ["Sagas"], poll_interval=0.05)
    assert list(worker.loops) == ["Sagas"]
    worker.start()
    try:
        account = bank.commands.open_account("Alice")
        wait_until(lambda: exists(bank.sagas, account))
        # Accounts runs nowhere: the account is requested but not opened.
        assert not bank.sagas.get_saga(account).is_final
    finally:
        worker.stop()
    with pytest.raises(ValueError, match="Commands"):
        Worker(BankAccountSystem(), persistence_env("django"), ["Commands"])


@pytest.mark.in_memory
def test_the_processes_runner_refuses_events_in_memory():
    with pytest.raises(ValueError, match="needs a database"):
        make_runner("processes", "popo")


@pytest.mark.in_memory
def test_unknown_runners_and_stores_are_refused():
    with pytest.raises(ValueError, match="runner must be one of"):
        make_runner("fibres", "popo")
    with pytest.raises(ValueError, match="persistence must be one of"):
        make_runner("single", "files")


@pytest.mark.in_memory
def test_ray_runs_on_loopback_only():
    with make_runner("ray", "popo") as runner:
        import ray

        assert ray.util.get_node_ip_address() == "127.0.0.1"
        assert ray.get_runtime_context().gcs_address.startswith("127.0.0.1:")
        assert runner.get(Accounts).create_account("Alice") is not None
