"""The worker as an operator runs it: started, stopped, killed, restarted, doubled."""

import random
import threading
import time
from decimal import Decimal

import pytest

from tests.readmodels.checks import check_read_models
from tests.system.workload import check_invariants, submit_random_requests, wait_until_final
from tests.worker.conftest import wait_until

D = Decimal


def open_accounts(bank, count):
    account_ids = [bank.commands.open_account(f"Customer {n}") for n in range(count)]
    return account_ids


@pytest.mark.not_postgresql
def test_the_worker_carries_out_requests_recorded_elsewhere(bank, start_worker):
    start_worker()
    account = bank.commands.open_account("Alice")
    deposit = bank.commands.deposit_funds(account, D("25.00"))
    final = wait_until_final(bank.sagas, [account, deposit], timeout=60)
    assert final[deposit].has_succeeded
    assert bank.accounts.get_balance(account) == D("25.00")


@pytest.mark.not_postgresql
def test_once_processes_everything_pending_and_exits(bank, start_worker):
    account = bank.commands.open_account("Alice")
    deposit = bank.commands.deposit_funds(account, D("25.00"))
    worker = start_worker("--once")
    assert worker.process.wait(timeout=60) == 0
    assert bank.sagas.get_saga(deposit).has_succeeded
    assert bank.accounts.get_balance(account) == D("25.00")
    assert "Processed" in worker.logs()


@pytest.mark.not_postgresql
def test_sigterm_stops_the_worker_cleanly_and_the_next_start_resumes(bank, start_worker):
    accounts = open_accounts(bank, 5)
    worker = start_worker()
    wait_until_final(bank.sagas, accounts)
    workload = submit_random_requests(bank.commands, accounts, count=150, seed=7)
    time.sleep(0.3)  # let it get into the middle of the work
    started = time.monotonic()
    assert worker.terminate(timeout=5) == 0
    assert time.monotonic() - started < 5
    assert "SIGTERM received" in worker.logs()
    worker.start()
    check_invariants(bank.accounts, bank.sagas, workload)


@pytest.mark.mariadb
def test_killing_the_worker_again_and_again_loses_and_repeats_nothing(bank, start_worker):
    rng = random.Random(20261126)
    accounts = open_accounts(bank, 20)
    worker = start_worker()
    wait_until_final(bank.sagas, accounts)

    workloads = []

    def submit():
        for seed in range(10):  # 10 x 100 requests, paced over the kills
            workloads.append(
                submit_random_requests(bank.commands, accounts, count=100, seed=seed, opening_deposit="10")
            )
            time.sleep(0.4)

    submitter = threading.Thread(target=submit)
    submitter.start()
    kills = 0
    while submitter.is_alive() or kills < 5:
        time.sleep(rng.uniform(0.2, 1.0))
        worker.kill()
        kills += 1
        worker.start()
    submitter.join()

    assert kills >= 5
    workload = merged(workloads)
    assert len(workload.requests) >= 1000
    check_invariants(bank.accounts, bank.sagas, workload)
    check_read_models(bank.accounts, bank.sagas, workload.account_ids, workload.requests)


def merged(workloads):
    """One workload of the requests of all of them (the first, added to)."""
    for workload in workloads[1:]:
        workloads[0].requests.update(workload.requests)
        workloads[0].account_ids.extend(set(workload.account_ids) - set(workloads[0].account_ids))
    return workloads[0]


@pytest.mark.not_postgresql
def test_two_workers_on_the_same_applications_process_each_request_once(bank, start_worker):
    accounts = open_accounts(bank, 10)
    # Both poll often, so that each finds requests first some of the time: an idle
    # poll takes no lock, and the worker whose followers wake each other would else
    # take every request (each request once is the point; both taking part shows it).
    first = start_worker("--poll-interval", "0.02", name="first")
    second = start_worker("--poll-interval", "0.02", name="second")
    wait_until(lambda: "running" in first.logs() and "running" in second.logs(), message="both running")
    # In ten slices, paced: submitted at once, the first worker could take them all on
    # SQLite, whose busy handler makes the other process's writers sleep between tries
    # while this one's take turns without sleeping. Between slices both are idle, polling.
    workloads = []
    for seed in range(11, 21):
        workloads.append(submit_random_requests(bank.commands, accounts, count=30, seed=seed))
        time.sleep(0.3)
    workload = merged(workloads)
    check_invariants(bank.accounts, bank.sagas, workload)
    assert "processed" in first.logs() and "processed" in second.logs()
    # The projections too, their counters (the bank's totals, the requests per hour) included.
    check_read_models(bank.accounts, bank.sagas, workload.account_ids, workload.requests)


@pytest.mark.not_postgresql
@pytest.mark.parametrize("runner", ["processes", "ray"])
def test_the_worker_runs_with_other_runners_and_stops_on_sigterm(bank, start_worker, runner):
    worker = start_worker("--runner", runner)
    account = bank.commands.open_account("Alice")
    deposit = bank.commands.deposit_funds(account, D("25.00"))
    final = wait_until_final(bank.sagas, [account, deposit], timeout=90)
    assert final[deposit].has_succeeded
    assert bank.accounts.get_balance(account) == D("25.00")
    assert worker.terminate(timeout=30) == 0


@pytest.mark.mariadb
def test_killing_the_worker_in_the_middle_of_a_batch_applies_nothing_twice(bank, start_worker):
    from bankproject.system import BankAccountSystem
    from infrastructure.status import follower_positions

    system = BankAccountSystem(read_models=True)

    def sagas_position():
        (position,) = [
            p for p in follower_positions(system) if (p.follower, p.leader) == ("Sagas", "Commands")
        ]
        return position

    accounts = open_accounts(bank, 10)
    worker = start_worker()
    wait_until_final(bank.sagas, accounts)
    worker.kill()
    # A backlog, so that the worker is always in the middle of a batch when it is killed.
    workload = submit_random_requests(bank.commands, accounts, count=600, seed=99)
    killed_with_work_left = 0
    for _ in range(4):
        before = sagas_position()
        worker.start()
        deadline = time.monotonic() + 60
        while sagas_position().position == before.position and time.monotonic() < deadline:
            time.sleep(0.01)
        worker.kill()
        killed_with_work_left += sagas_position().lag > 0
    assert killed_with_work_left >= 2
    worker.start()
    check_invariants(bank.accounts, bank.sagas, workload)
    check_read_models(bank.accounts, bank.sagas, workload.account_ids, workload.requests)


@pytest.mark.not_postgresql
def test_the_applications_can_be_spread_over_workers(bank, start_worker):
    sagas = start_worker("--apps", "Sagas,SagasProjection", name="sagas")
    accounts = start_worker("--runner", "ray", "--apps", "Accounts,AccountsProjection", name="accounts")
    account = bank.commands.open_account("Alice")
    deposit = bank.commands.deposit_funds(account, D("25.00"))
    final = wait_until_final(bank.sagas, [account, deposit], timeout=90)
    assert final[deposit].has_succeeded
    check_read_models(bank.accounts, bank.sagas, [account], [account, deposit])
    assert accounts.terminate(timeout=30) == 0 and sagas.terminate(timeout=30) == 0
