"""Batches and the aggregates a follower keeps in memory between them.

Each test drives the follower loops by hand, one batch at a time, so that the
order in which processors take turns is exactly the one that matters.
"""

import threading
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from eventsourcing.persistence import IntegrityError

from accounts.application import Accounts
from accounts.models import AccountSummary, BankTotals, LedgerEntry
from accounts.projections import AccountsProjection
from bankproject.system import BankAccountSystem, persistence_env
from infrastructure.models import FollowerState
from infrastructure.persistence import batches_in_a_row
from infrastructure.worker import Worker, recorded_state
from tests.worker.conftest import Bank


def workers(*names):
    system = BankAccountSystem(read_models=True)
    return [Worker(system, persistence_env("django"), [name]) for name in names]


def loop(worker):
    (follower_loop,) = worker.loops.values()
    return follower_loop


def settle(*loops):
    while sum(each.process_pending() for each in loops):
        pass


def fail_once_on(monkeypatch, request_id):
    """Accounts' answer to the request fails the first time (the database went away);
    returns the list of requests answered, filled as they are."""
    answer = Accounts.answer
    calls = []

    def answer_then_fail(self, request, *args):
        calls.append(request.originator_id)
        if request.originator_id == request_id and calls.count(request_id) == 1:
            raise ConnectionError("database went away")
        return answer(self, request, *args)

    monkeypatch.setattr(Accounts, "answer", answer_then_fail)
    return calls  # the requests answered, in order


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
    calls = fail_once_on(monkeypatch, second)
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


def seen_from_another_connection(read):
    """What read() returns on another thread's connection: only what has been committed."""
    answers = []

    def read_and_close():
        try:
            answers.append(read())
        finally:
            connection.close()

    thread = threading.Thread(target=read_and_close)
    thread.start()
    thread.join()
    return answers[0]


def test_batches_in_a_row_each_commit_and_a_failed_one_leaves_nothing(bank, monkeypatch):
    """As a follower loop runs them: on MariaDB its connection's autocommit stays off
    between them (see infrastructure.persistence.batch_transaction)."""
    sagas, accounts = workers("Sagas", "Accounts")
    account = bank.commands.open_account("Alice")
    settle(loop(sagas), loop(accounts))
    first = bank.commands.deposit_funds(account, D("10.00"))
    second = bank.commands.deposit_funds(account, D("5.00"))
    calls = fail_once_on(monkeypatch, second)
    with batches_in_a_row():
        assert loop(sagas).process_pending() == 2  # both credits requested: committed
        with pytest.raises(ConnectionError):
            loop(accounts).process_pending()  # credits 10.00, then fails
        balance = seen_from_another_connection(lambda: Bank().accounts.get_balance(account))
        waiting = seen_from_another_connection(lambda: not Bank().sagas.get_saga(second).is_final)
        assert (balance, waiting) == (0, True)
        assert bank.accounts.get_balance(account) == 0  # nothing left on this connection either
        settle(loop(sagas), loop(accounts))
        balance = seen_from_another_connection(lambda: Bank().accounts.get_balance(account))
        assert balance == D("15.00")  # committed, before the batches in a row end
    assert calls == [first, second, first, second]
    assert bank.sagas.get_saga(first).has_succeeded and bank.sagas.get_saga(second).has_succeeded


def test_a_follower_state_recorded_between_batches_in_a_row_is_committed_at_once(bank):
    (sagas,) = workers("Sagas")
    bank.commands.open_account("Alice")
    with batches_in_a_row():
        assert loop(sagas).process_pending() == 1
        recorded_state("Sagas", "running", datetime.now(UTC))
        states = seen_from_another_connection(lambda: list(FollowerState.objects.values_list("state")))
        assert states == [("running",)]


@pytest.mark.mariadb
def test_batches_in_a_row_set_autocommit_once_not_twice_a_batch(bank):
    sagas, accounts = workers("Sagas", "Accounts")

    def set_autocommit_statements():
        with connection.cursor() as cursor:
            cursor.execute("SHOW SESSION STATUS LIKE 'Com_set_option'")
            return int(cursor.fetchone()[1])

    def six_batches():
        done = 0
        for _ in range(3):
            # Recorded on another connection: this one is kept for the batches.
            seen_from_another_connection(lambda: Bank().commands.open_account("Alice"))
            done += loop(sagas).process_pending() + loop(accounts).process_pending()
        return done

    before = set_autocommit_statements()
    assert six_batches()
    each_in_atomic = set_autocommit_statements() - before
    before = set_autocommit_statements()
    with batches_in_a_row():
        assert six_batches()
    in_a_row = set_autocommit_statements() - before
    assert (each_in_atomic, in_a_row) == (6 * 2, 2)  # off and on a batch; off at the first, on at the end


def test_a_batch_reads_its_leaders_tracking_positions_once_with_one_query(bank):
    """The loop reads the positions as the batch begins, under the insert lock; the
    tracking guard of the batch's first notification uses what was read."""
    (sagas,) = workers("Sagas")
    bank.commands.open_account("Alice")
    bank.commands.open_account("Bob")
    tracking_table = loop(sagas).follower.recorder.tracking_model._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        assert loop(sagas).process_pending() == 2
    position_reads = [sql for sql in (query["sql"] for query in queries) if tracking_table in sql]
    position_reads = [sql for sql in position_reads if sql.startswith("SELECT")]
    assert len(position_reads) == 1  # for both leaders: Commands and Accounts


def test_an_idle_poll_reads_the_leaders_notifications_and_begins_no_batch(bank):
    """After a batch, the loop knows its positions: it looks for new notifications from
    there before it begins a batch (no insert lock, no tracking read, no commit)."""
    (sagas,) = workers("Sagas")
    bank.commands.open_account("Alice")
    with batches_in_a_row():
        assert loop(sagas).process_pending() == 1
        with CaptureQueriesContext(connection) as queries:
            assert loop(sagas).process_pending() == 0
        if connection.vendor == "mysql":
            assert connection.get_autocommit() is False  # and no transaction left open:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COUNT(*) FROM information_schema.innodb_trx"
                    " WHERE trx_mysql_thread_id = CONNECTION_ID()"
                )
                assert cursor.fetchone() == (0,)
    statements = [query["sql"].split(" ", 1)[0] for query in queries]
    # One for each leader (Commands and Accounts); on MariaDB, the end of their transaction.
    assert statements == ["SELECT", "SELECT"] + (["ROLLBACK"] if connection.vendor == "mysql" else [])

    bank.commands.open_account("Bob")  # found by the next poll, and processed in a batch
    assert loop(sagas).process_pending() == 1
