"""Retries under long faults: a bounded wait, an early wake when the database returns, every
error counted and backed off the same way."""

import threading

import pytest
from eventsourcing.persistence import IntegrityError, OperationalError

from accounts.application import Accounts
from bankproject.system import BankAccountSystem, persistence_env
from infrastructure.worker import RETRY_DELAY_CAP, Worker, retry_delay
from tests.worker.conftest import wait_until
from tests.worker.test_worker import exists


@pytest.mark.in_memory
@pytest.mark.parametrize("failures", [1, 10, 1_000, 100_000])
def test_the_retry_delay_never_overflows_and_is_capped_at_a_few_seconds(failures):
    delay = retry_delay(failures)
    assert 0 < delay <= RETRY_DELAY_CAP <= 5
    assert retry_delay(failures + 1) >= delay


@pytest.mark.in_memory
def test_the_retry_delay_reaches_its_cap():
    assert retry_delay(1_000) == RETRY_DELAY_CAP
    assert retry_delay(1) < 0.5


@pytest.mark.django_db(transaction=True)
def test_a_persistent_integrity_error_is_counted_and_backed_off_not_spun(bank, monkeypatch):
    account = bank.commands.open_account("Alice")
    worker = Worker(BankAccountSystem(), persistence_env("django"), ["Sagas", "Accounts"], poll_interval=0.05)
    worker.start()
    try:
        wait_until(lambda: exists(bank.sagas, account) and bank.sagas.get_saga(account).is_final)
        attempts = []

        def always_refused(self, account_id, **kwargs):
            attempts.append(account_id)
            raise IntegrityError("refused every time")

        monkeypatch.setattr(Accounts, "get_account", always_refused)
        bank.commands.deposit_funds(account, "10")
        wait_until(lambda: worker.loops["Accounts"].failures >= 3, timeout=30, message="Accounts failing")
        threading.Event().wait(2.0)
        # Retrying at once, it would have tried thousands of times in two seconds.
        assert len(attempts) < 25
    finally:
        worker.stop()


@pytest.mark.django_db(transaction=True)
def test_the_worker_resumes_within_two_seconds_of_the_database_coming_back_after_a_long_outage(
    bank, monkeypatch
):
    account = bank.commands.open_account("Alice")
    worker = Worker(BankAccountSystem(), persistence_env("django"), ["Sagas", "Accounts"], poll_interval=0.05)
    worker.start()
    try:
        wait_until(lambda: exists(bank.sagas, account) and bank.sagas.get_saga(account).is_final)
        database_down = threading.Event()
        database_down.set()
        get_account = Accounts.get_account

        def unreachable_while_down(self, account_id, **kwargs):
            if database_down.is_set():
                raise OperationalError("Can't connect to server")
            return get_account(self, account_id, **kwargs)

        monkeypatch.setattr(Accounts, "get_account", unreachable_while_down)
        monkeypatch.setattr(worker.loops["Accounts"], "probe", lambda: not database_down.is_set())
        deposit = bank.commands.deposit_funds(account, "10")
        # Longer than the cap: the delay has grown to it.
        wait_until(lambda: worker.loops["Accounts"].failures >= 5, timeout=30, message="failing")
        threading.Event().wait(RETRY_DELAY_CAP + 1)
        database_down.clear()
        wait_until(lambda: bank.sagas.get_saga(deposit).is_final, timeout=2.5, message="resumed within ~2 s")
        assert bank.sagas.get_saga(deposit).has_succeeded
    finally:
        worker.stop()
