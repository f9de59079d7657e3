"""A prototype of Accounts partitioned by account id (docs/partitioning.md §5).

Two applications, Accounts-0 and Accounts-1, each with its own log, its own insert lock
and its own tracking positions, in place of the one Accounts. Each follows Sagas and
carries out only the requests about its own accounts; Sagas follows both and moves each
saga on with whichever answers, so a transfer between accounts of different partitions
is the same saga as any other: its debit is carried out by one partition, its credit
(or refund) by the other. AccountsProjection follows both logs (one account's events are
all in one log, so its ledger stays in order); Sagas and the requests' projection are
unchanged.

What the prototype is for: measuring what partitioning costs beside one Accounts, with
``benchmarks/partitions.py`` (set BANK_SYSTEM to
``bankproject.partitions.PartitionedBankAccountSystem`` for the worker's commands).
What it is not: the product's system. Sagas is not partitioned (that needs its answers
routed back to the partition that asked, §2 of the design); each partition reads and
decodes every request and ignores those of the other (filtering, not routing); the
number of partitions is fixed here, not recorded in the database; and the applications
that read "Accounts" by name (verifyledger, loaddemo, the admin's event history, the
web process's direct calls) do not know the partitions.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.system import System

from accounts.application import Accounts
from sagas.application import Commands, Sagas

PARTITIONS = 2


def partition_of(account_id: UUID, partitions: int = PARTITIONS) -> int:
    """The partition that holds an account, whether or not it exists: its id as a
    number, modulo the number of partitions. Changing it moves every account."""
    return account_id.int % partitions


def requested_account(request: Any) -> UUID:
    """The account a saga's request is about: the one it names, or, for an opening, the
    account it opens, whose id is the saga's own."""
    account_id = getattr(request, "account_id", None)
    return account_id if account_id is not None else request.originator_id


class AccountsPartition(Accounts):
    """Accounts that carries out the requests about the accounts of one partition and
    passes over the others' (its position in Sagas' log still moves past them)."""

    partition = 0

    def __init__(self, env: Any = None) -> None:
        super().__init__(env)
        self.carry_out = self.policy  # Accounts' policy, bound once (LeanFollower)
        self.policy = self.policy_of_partition

    def policy_of_partition(self, request: Any, processing_event: ProcessingEvent) -> None:
        if partition_of(requested_account(request)) == self.partition:
            self.carry_out(request, processing_event)


class AccountsPartition0(AccountsPartition):
    name = "Accounts-0"
    partition = 0


class AccountsPartition1(AccountsPartition):
    name = "Accounts-1"
    partition = 1


ACCOUNTS_PARTITIONS = (AccountsPartition0, AccountsPartition1)  # partition p at index p


class PartitionedBankAccountSystem(System):
    """Commands → Sagas → Accounts-0 and Accounts-1 → Sagas, and, with read_models, the
    same projections as BankAccountSystem's, AccountsProjection following both partitions."""

    def __init__(self, read_models: bool = False) -> None:
        pipes: list[list[type[Any]]] = [[Commands, Sagas]]
        pipes += [[Sagas, accounts, Sagas] for accounts in ACCOUNTS_PARTITIONS]
        if read_models:
            from accounts.projections import AccountsProjection
            from sagas.projections import SagasProjection

            pipes += [[accounts, AccountsProjection] for accounts in ACCOUNTS_PARTITIONS]
            pipes += [[Commands, SagasProjection], [Sagas, SagasProjection]]
        super().__init__(pipes=pipes)
