"""Rebuilding the read models, and watching the worker's progress, while it runs."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import AccountSummary, LedgerEntry
from sagas.models import HourlyRequests, SagaSummary
from tests.readmodels.checks import check_read_models, wait_for_read_models
from tests.system.workload import submit_random_requests, wait_until_final

pytestmark = pytest.mark.not_postgresql


def read_model_rows():
    """Every projected row, without the tables' own ids."""

    def rows(model):
        fields = [f.name for f in model._meta.fields if f.name != "id"]
        return sorted(model.objects.values_list(*fields))

    return {
        model.__name__: rows(model) for model in (AccountSummary, LedgerEntry, SagaSummary, HourlyRequests)
    }


def rebuild():
    out = io.StringIO()
    call_command("rebuild_read_models", stdout=out)
    return out.getvalue()


def test_rebuilt_read_models_equal_the_incremental_ones_even_while_the_worker_runs(bank, start_worker):
    accounts = [bank.commands.open_account(f"Customer {n}") for n in range(8)]
    worker = start_worker()
    first = submit_random_requests(bank.commands, accounts, count=120, seed=3)
    wait_until_final(bank.sagas, [*accounts, *first.requests])
    wait_for_read_models()
    incremental = read_model_rows()
    assert len(incremental["LedgerEntry"]) > 50

    printed = rebuild()
    assert "100%" in printed and "Rebuilt AccountsProjection, SagasProjection" in printed
    assert read_model_rows() == incremental

    # Again, with the worker busy with new requests during the rebuild.
    second = submit_random_requests(bank.commands, accounts, count=120, seed=4)
    rebuild()
    wait_until_final(bank.sagas, second.requests)
    check_read_models(bank.accounts, bank.sagas, second.account_ids, [*first.requests, *second.requests])
    settled = read_model_rows()
    worker.terminate(timeout=10)
    rebuild()
    assert read_model_rows() == settled


def test_systemstatus_shows_the_lag_and_fails_when_a_follower_is_stuck(bank, start_worker):
    account = bank.commands.open_account("Alice")
    bank.commands.deposit_funds(account, "10")
    out = io.StringIO()
    with pytest.raises(CommandError, match="Sagas: stuck, behind Commands") as raised:
        call_command("systemstatus", "--wait", "0.2", stdout=out)
    assert raised.value.returncode == 1
    assert "STUCK" in out.getvalue()

    start_worker()
    wait_for_read_models()
    out = io.StringIO()
    call_command("systemstatus", "--wait", "0.2", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["application", "follows", "processed", "last", "waiting", "state"]
    followed = {tuple(line.split()[:2]) for line in lines[1:]}
    assert followed == {
        ("Sagas", "Commands"),
        ("Sagas", "Accounts"),
        ("Accounts", "Sagas"),
        ("AccountsProjection", "Accounts"),
        ("SagasProjection", "Commands"),
        ("SagasProjection", "Sagas"),
    }
    assert all(line.split()[4] == "0" for line in lines[1:])
