"""An application actor of the Ray runner answers calls on other threads than its follower
loop's (max_concurrency): a read through the actor must never put an old copy of an
aggregate into the loop's cache."""

import os
import threading
import time
from decimal import Decimal

import pytest

from bankproject.system import BankAccountSystem, persistence_env
from infrastructure.childprocess import database_settings
from infrastructure.runners import ApplicationActor
from infrastructure.worker import Worker, forget_cached_aggregates
from tests.worker.conftest import wait_until
from tests.worker.test_worker import exists


@pytest.mark.django_db(transaction=True)
def test_a_read_through_the_sagas_actor_paused_between_its_read_and_its_put_loses_no_refund(bank):
    system = BankAccountSystem()
    env = persistence_env("django")
    setup = Worker(system, env, ["Sagas", "Accounts"])
    payer = bank.commands.open_account("Payer")
    bank.commands.deposit_funds(payer, "100")
    closed = bank.commands.open_account("Closed")
    bank.commands.close_account(closed)
    setup.process_all_pending()
    setup.stop()
    assert bank.accounts.get_account(closed).is_closed

    settings_module = os.environ["DJANGO_SETTINGS_MODULE"]
    sagas = ApplicationActor(system, env, "Sagas", settings_module, database_settings(), poll_interval=0.05)
    sagas.connect({})
    sagas.start()
    accounts = Worker(system, env, ["Accounts"]).loops["Accounts"]
    try:
        transfer = bank.commands.transfer_funds(payer, closed, "30")
        wait_until(lambda: exists(bank.sagas, transfer), message="the saga begun")
        version_read = bank.sagas.get_saga(transfer).version
        forget_cached_aggregates(sagas.app)  # as the cache evicts what it has not used lately

        paused, resume = threading.Event(), threading.Event()
        reconstruct = sagas.app.repository._reconstruct_aggregate

        def read_then_pause(*args, **kwargs):
            aggregate = reconstruct(*args, **kwargs)
            if threading.current_thread().name == "reader":
                paused.set()
                resume.wait(timeout=30)
            return aggregate

        sagas.app.repository._reconstruct_aggregate = read_then_pause
        reader = threading.Thread(
            target=sagas.call, args=(["get_saga"], (transfer,), {}), name="reader", daemon=True
        )
        reader.start()
        assert paused.wait(timeout=10)

        accounts.process_pending()  # the debit: the loop moves the saga on
        try:
            wait_until(lambda: bank.sagas.get_saga(transfer).version > version_read, timeout=3)
        except TimeoutError:
            pass  # the loop waits for the read to end: nothing stale can be put
        resume.set()
        reader.join(timeout=10)

        deadline = time.monotonic() + 20
        while not bank.sagas.get_saga(transfer).is_final and time.monotonic() < deadline:
            accounts.process_pending()  # the failed credit, then the refund
            time.sleep(0.05)
        saga = bank.sagas.get_saga(transfer)
        assert saga.is_final, "the saga never ended: the loop judged the credit's failure by a stale copy"
        assert saga.has_errored
        assert bank.accounts.get_balance(payer) == Decimal("100.00")
    finally:
        sagas.stop()  # its worker closes the application
