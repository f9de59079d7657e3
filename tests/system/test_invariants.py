"""Random traffic through the worker on MariaDB (threads and processes runners): no money lost or doubled."""

from collections import Counter

import pytest

from bankproject.system import make_runner
from tests.readmodels.checks import check_read_models
from tests.system.conftest import RUNNER_OPTIONS, Bank
from tests.system.workload import check_invariants, submit_random_requests


@pytest.mark.mariadb
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("runner_name", ["threads", "processes"])
def test_random_requests_keep_the_bank_consistent(runner_name):
    with make_runner(runner_name, "django", **RUNNER_OPTIONS.get(runner_name, {})) as runner:
        bank = Bank(runner)
        accounts = [bank.open_account(f"Customer {n}") for n in range(20)]
        workload = submit_random_requests(bank.commands, accounts, count=600, seed=20261126)
        ended, sagas = check_invariants(bank.accounts, bank.sagas, workload)
        # The read models tell the same story as the event store.
        assert check_read_models(bank.accounts, bank.sagas, workload.account_ids, workload.requests) > 20

    # The mix really held every kind of request and of failure.
    kinds = Counter(r.kind for r in workload.requests.values())
    assert set(kinds) == {"deposit", "withdraw", "transfer", "limit", "close", "open"}
    assert len(workload.requests) >= 500
    assert set(workload.refused_at_once) == {"InvalidAmountError", "SameAccountError", "RequestConflictError"}
    failures = Counter(type(s.errors[0]).__name__ for s in sagas.values() if s.has_errored)
    assert set(failures) == {
        "InsufficientFundsError",
        "AccountNotFoundError",
        "AccountClosedError",
        "BalanceNotZeroError",
    }
    assert len(ended) > 20
