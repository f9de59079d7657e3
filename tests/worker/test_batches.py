"""Batches and the aggregates a follower keeps in memory between them.

Each test drives the follower loops by hand, one batch at a time, so that the
order in which processors take turns is exactly the one that matters.
"""

from decimal import Decimal as D

import pytest
from django.db import connection
from eventsourcing.persistence import IntegrityError

from accounts.application import Accounts
from accounts.models import AccountSummary, BankTotals, LedgerEntry
from accounts.projections import AccountsProjection
from bankproject.system import BankAccountSystem, persistence_env
from bankproject.worker import Worker


def workers(*names):
    system = BankAccountSystem(read_models=True)
    return [Worker(system, persistence_env("django"), [name]) for name in names]


def loop(worker):
    (follower_loop,) = worker.loops.values()
    return follower_loop


def settle(*loops):
    while sum(each.process_pending() for each in loops):
        pass


def test_a_follower_keeps_the_aggregates_it_writes_between_batches(bank):
    sagas, accounts = workers("Sagas", "Accounts")
    account = bank.commands.open_account("Alice")
    settle(loop(sagas), loop(accounts))
    assert account in loop(accounts).follower.repository.cache.cache
    bank.commands.deposit_funds(account, D("10.00"))
    settle(loop(sagas), loop(accounts))
    cached = loop(accounts).follower.repository.cache.get(account)
    assert cached.balance == D("10.00") == bank.accounts.get_balance(account)


def test_a_failed_batch_leaves_nothing_of_itself_in_memory(bank, monkeypatch):
    sagas, accounts = workers("Sagas", "Accounts")
    account = bank.commands.open_account("Alice")
    settle(loop(sagas), loop(accounts))
    first = bank.commands.deposit_funds(account, D("10.00"))
    second = bank.commands.deposit_funds(account, D("5.00"))
    loop(sagas).process_pending()  # both credits requested

    # The batch credits 10.00 to the cached account, then fails on the second credit.
    answer = Accounts.answer
    calls = []

    def answer_then_fail(self, request, *args):
        calls.append(request.originator_id)
        if request.originator_id == second and calls.count(second) == 1:
            raise ConnectionError("database went away")
        return answer(self, request, *args)

    monkeypatch.setattr(Accounts, "answer", answer_then_fail)
    with pytest.raises(ConnectionError):
        loop(accounts).process_pending()
    assert bank.accounts.get_balance(account) == 0  # rolled back

    settle(loop(sagas), loop(accounts))
    assert calls == [first, second, first, second]
    assert bank.accounts.get_balance(account) == D("15.00")  # not 25.00
    versions = [event.originator_version for event in bank.accounts.events.get(account)]
    assert versions == [1, 2, 3]
    assert bank.sagas.get_saga(first).has_succeeded and bank.sagas.get_saga(second).has_succeeded


def test_a_follower_forgets_what_it_kept_when_another_processor_has_been_at_work(bank):
    """Two processors of Sagas take turns: each must see what the other recorded.

    Kept from before, processor A's saga would still wait for the debit, and would
    take the credit's answer as one it is not waiting for: the transfer would never end.
    """
    sagas_a, sagas_b, accounts = workers("Sagas", "Sagas", "Accounts")
    alice = bank.commands.open_account("Alice")
    bob = bank.commands.open_account("Bob")
    bank.commands.deposit_funds(alice, D("100.00"))
    settle(loop(sagas_a), loop(accounts))

    transfer = bank.commands.transfer_funds(alice, bob, D("30.00"))
    loop(sagas_a).process_pending()  # A starts the saga: debit requested
    loop(accounts).process_pending()  # debited
    loop(sagas_b).process_pending()  # B takes the answer: credit requested
    loop(accounts).process_pending()  # credited
    loop(sagas_a).process_pending()  # A takes the credit's answer
    assert bank.sagas.get_saga(transfer).has_succeeded
    assert (bank.accounts.get_balance(alice), bank.accounts.get_balance(bob)) == (D("70.00"), D("30.00"))


def test_a_processor_that_lost_the_race_to_another_starts_again_from_the_database(bank):
    """Within a batch, a processor whose kept aggregate is older than the recorded
    one is refused by the store (its next version exists); it forgets and retries."""
    sagas, accounts_a, accounts_b = workers("Sagas", "Accounts", "Accounts")
    account = bank.commands.open_account("Alice")
    settle(loop(sagas), loop(accounts_a))
    bank.commands.deposit_funds(account, D("10.00"))
    settle(loop(sagas), loop(accounts_b))  # B credits; A still keeps version 1

    # A's positions are stale too: it forgets before it even reads.
    bank.commands.deposit_funds(account, D("5.00"))
    loop(sagas).process_pending()
    loop(accounts_a).process_pending()
    assert bank.accounts.get_balance(account) == D("15.00")

    # And where the positions agree but the store does not: the version clash is refused.
    loop(accounts_a).follower.repository.cache.put(account, stale_copy(bank, account, version=2))
    bank.commands.deposit_funds(account, D("1.00"))
    loop(sagas).process_pending()
    with pytest.raises(IntegrityError):
        loop(accounts_a).process_pending()  # a stale aggregate is not written
    settle(loop(sagas), loop(accounts_a))
    assert bank.accounts.get_balance(account) == D("16.00")


def test_a_failed_projection_batch_writes_no_rows(bank, monkeypatch):
    sagas, accounts, projection = workers("Sagas", "Accounts", "AccountsProjection")
    account = bank.commands.open_account("Alice")
    settle(loop(sagas), loop(accounts))
    bank.commands.deposit_funds(account, D("10.00"))
    settle(loop(sagas), loop(accounts))

    # The batch has the opening and the deposit; it fails on the deposit's ledger entry.
    describe = AccountsProjection.describe_transaction
    failures_left = [1]

    def describe_or_fail(self, event):
        if failures_left[0]:
            failures_left[0] -= 1
            raise ConnectionError("database went away")
        return describe(self, event)

    monkeypatch.setattr(AccountsProjection, "describe_transaction", describe_or_fail)
    with pytest.raises(ConnectionError):
        loop(projection).process_pending()
    assert not AccountSummary.objects.exists() and not BankTotals.objects.exists()

    settle(loop(projection))
    (summary,) = AccountSummary.objects.all()
    assert (summary.account_id, summary.balance) == (account, D("10.00"))
    assert [entry.amount for entry in LedgerEntry.objects.all()] == [D("10.00")]
    assert BankTotals.objects.values_list("account_count", "total_balance").get() == (1, D("10.00"))


def stale_copy(bank, account_id, version):
    return bank.accounts.repository.get(account_id, version=version)


def test_followers_are_woken_once_a_batch_commits_not_while_it_is_open(bank):
    """Woken while the batch is open, a follower would find nothing yet and go back to sleep."""
    worker = Worker(BankAccountSystem(), persistence_env("django"), ["Sagas", "Accounts"])
    sagas_loop, accounts_loop = worker.loops["Sagas"], worker.loops["Accounts"]
    woken_while_batching = []
    wakeup = accounts_loop.wakeup  # what Sagas' prompts and its loop both set
    set_wakeup = wakeup.set

    def record_and_set():
        woken_while_batching.append(connection.in_atomic_block)
        set_wakeup()

    wakeup.set = record_and_set
    bank.commands.open_account("Alice")
    bank.commands.open_account("Bob")
    assert sagas_loop.process_pending() == 2
    assert woken_while_batching == [False]  # once, after the commit
