"""The partitioned prototype (bankproject.partitions): each account lives in one
partition, requests reach only their account's partition, and transfers within and
between partitions succeed, fail and are refunded as with one Accounts."""

import random
from decimal import Decimal
from uuid import UUID

import pytest

from accounts.domain import AccountClosedError, AccountNotFoundError, InsufficientFundsError
from bankproject.partitions import (
    ACCOUNTS_PARTITIONS,
    PARTITIONS,
    PartitionedBankAccountSystem,
    partition_of,
)
from infrastructure.system import make_system_runner
from sagas.application import Commands, Sagas
from tests.database import close_connections_left_by_threads
from tests.system.conftest import wait_for_saga

D = Decimal


def test_the_partition_of_an_account_is_fixed_by_its_id():
    # Pinned: a change would move every account to another log.
    assert partition_of(UUID("00000000-0000-0000-0000-000000000000")) == 0
    assert partition_of(UUID("00000000-0000-0000-0000-000000000001")) == 1
    assert partition_of(UUID("6f1d2a7e-3c44-4b8e-9a51-0d2c8e7b9f13")) == 1
    assert partition_of(UUID("6f1d2a7e-3c44-4b8e-9a51-0d2c8e7b9f14")) == 0
    assert (
        partition_of(UUID("6f1d2a7e-3c44-4b8e-9a51-0d2c8e7b9f14"), 3)
        == 0x6F1D2A7E3C444B8E9A510D2C8E7B9F14 % 3
    )
    # Partition p is ACCOUNTS_PARTITIONS[p], each its own application.
    assert [cls.partition for cls in ACCOUNTS_PARTITIONS] == list(range(PARTITIONS))
    assert len({cls.name for cls in ACCOUNTS_PARTITIONS}) == PARTITIONS


class PartitionedBank:
    """The partitioned system as a test drives it."""

    def __init__(self, runner):
        self.commands = runner.get(Commands)
        self.sagas = runner.get(Sagas)
        self.partitions = [runner.get(cls) for cls in ACCOUNTS_PARTITIONS]

    def wait_for(self, saga_id):
        return wait_for_saga(self.sagas, saga_id)

    def open_accounts_in_each_partition(self, each=2):
        opened = {partition: [] for partition in range(len(self.partitions))}
        while any(len(ids) < each for ids in opened.values()):
            saga = self.wait_for(self.commands.open_account("Customer"))
            assert saga.has_succeeded
            opened[partition_of(saga.id)].append(saga.id)
        return {partition: ids[:each] for partition, ids in opened.items()}

    def get_account(self, account_id):
        """The account, from the partition that holds it; the other holds nothing of it."""
        home, *others = sorted(self.partitions, key=lambda app: app.partition != partition_of(account_id))
        for other in others:
            with pytest.raises(AccountNotFoundError):
                other.get_account(account_id)
        return home.get_account(account_id)

    def balance(self, account_id):
        return self.get_account(account_id).balance


@pytest.mark.parametrize(
    "runner_name, persistence",
    [
        pytest.param("single", "popo", marks=pytest.mark.in_memory),
        pytest.param("threads", "django", marks=pytest.mark.django_db(transaction=True)),
    ],
)
def test_transfers_within_and_between_partitions(runner_name, persistence):
    system = PartitionedBankAccountSystem(read_models=persistence == "django")
    with make_system_runner(system, runner_name, persistence, poll_interval=0.05) as runner:
        bank = PartitionedBank(runner)
        (a0, b0), (a1, b1) = bank.open_accounts_in_each_partition().values()
        for account_id in (a0, b0, a1, b1):
            assert bank.wait_for(bank.commands.deposit_funds(account_id, D("100.00"))).has_succeeded
        # Within a partition and across, both ways.
        for debit, credit in ((a0, b0), (a0, a1), (a1, b0), (b1, a1)):
            assert bank.wait_for(bank.commands.transfer_funds(debit, credit, D("10.00"))).has_succeeded
        assert [bank.balance(a) for a in (a0, b0, a1, b1)] == [
            D("80.00"),
            D("120.00"),
            D("110.00"),
            D("90.00"),
        ]
        # Refused by the paying partition: nothing moves.
        saga = bank.wait_for(bank.commands.transfer_funds(b1, a0, D("500.00")))
        assert saga.has_failed and isinstance(saga.errors[0], InsufficientFundsError)
        # Refused by the other partition (the credited account is closed): refunded.
        assert bank.wait_for(bank.commands.withdraw_funds(b1, D("90.00"))).has_succeeded
        assert bank.wait_for(bank.commands.close_account(b1)).has_succeeded
        saga = bank.wait_for(bank.commands.transfer_funds(a0, b1, D("30.00")))
        assert saga.has_failed and isinstance(saga.errors[0], AccountClosedError)
        # To an account nobody opened, in either partition: refunded too.
        unknown = [UUID(int=n) for n in (2, 3)]
        assert {partition_of(u) for u in unknown} == {0, 1}
        for account_id in unknown:
            saga = bank.wait_for(bank.commands.transfer_funds(a1, account_id, D("1.00")))
            assert saga.has_failed and isinstance(saga.errors[0], AccountNotFoundError)
        assert [bank.balance(a) for a in (a0, b0, a1, b1)] == [
            D("80.00"),
            D("120.00"),
            D("110.00"),
            D("0.00"),
        ]
        # A deposit then a withdrawal of the same money, back to back: in order.
        sagas = []
        for _ in range(5):
            sagas.append(bank.commands.deposit_funds(a1, D("5.00")))
            sagas.append(bank.commands.withdraw_funds(a1, D("115.00")))
            sagas.append(bank.commands.deposit_funds(a1, D("110.00")))
        assert all(bank.wait_for(saga_id).has_succeeded for saga_id in sagas)
        assert bank.balance(a1) == D("110.00")
        if persistence == "django":
            from tests.readmodels.checks import check_read_models

            check_read_models(bank, bank.sagas, [a0, b0, a1, b1], [], system=system)
    if persistence == "django":
        close_connections_left_by_threads()


@pytest.mark.django_db(transaction=True)
def test_a_random_workload_conserves_money_across_partitions():
    system = PartitionedBankAccountSystem(read_models=True)
    with make_system_runner(system, "threads", "django", poll_interval=0.05) as runner:
        bank = PartitionedBank(runner)
        accounts = [a for ids in bank.open_accounts_in_each_partition(each=4).values() for a in ids]
        for account_id in accounts:
            bank.commands.deposit_funds(account_id, D("50.00"))
        rng = random.Random(7)
        saga_ids = []
        for _ in range(120):
            debit, credit = rng.sample(accounts, 2)
            saga_ids.append(bank.commands.transfer_funds(debit, credit, D(rng.randrange(1, 4000)) / 100))
        finished = [bank.wait_for(saga_id) for saga_id in saga_ids]
        moved = {a: D("50.00") for a in accounts}
        for saga in finished:
            if saga.has_succeeded:
                moved[saga.debit_account_id] -= saga.amount
                moved[saga.credit_account_id] += saga.amount
        assert any(s.has_failed for s in finished) and any(s.has_succeeded for s in finished)
        assert {a: bank.balance(a) for a in accounts} == moved
        assert sum(moved.values()) == 50 * len(accounts)
        assert all(balance >= 0 for balance in moved.values())
        from tests.readmodels.checks import check_read_models

        check_read_models(bank, bank.sagas, accounts, saga_ids, system=system)
    close_connections_left_by_threads()
