"""verifyledger proves the books from the event store, and names every kind of tampering."""

from decimal import Decimal

import pytest
from django.db.models import F
from eventsourcing.utils import get_topic
from eventsourcing_django.models import NotificationTrackingRecord, StoredEventRecord

from accounts.application import Accounts
from accounts.models import AccountSummary, LedgerEntry
from audit.models import LedgerVerification
from bankproject.system import persistence_env
from sagas.application import Sagas
from sagas.domain import Saga
from sagas.models import SagaSummary
from tests.audit.conftest import discrepancies, verifyledger
from tests.system.workload import submit_random_requests, wait_until_final

D = Decimal
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def books(commands, carry_out):
    """Alice and Bob, with money moved every way, a refund included; returns their ids and requests."""
    alice = commands.open_account("Alice Smith", "alice@example.com")
    bob = commands.open_account("Bob Jones")
    carol = commands.open_account("Carol Closed")
    requests = {
        "deposit": commands.deposit_funds(alice, "100.00"),
        "withdrawal": commands.withdraw_funds(alice, "30.00"),
        "transfer": commands.transfer_funds(alice, bob, "20.00"),
        "too much": commands.withdraw_funds(bob, "500.00"),
        "limit": commands.set_overdraft_limit(bob, "50.00"),
        "close": commands.close_account(carol),
    }
    carry_out()
    requests["refunded"] = commands.transfer_funds(alice, carol, "5.00")
    carry_out()
    requests["last transfer"] = commands.transfer_funds(alice, bob, "7.00")
    carry_out()
    return {"alice": alice, "bob": bob, "carol": carol, **requests}


def test_consistent_books_exit_0_with_what_was_checked(books, tmp_path):
    code, report = verifyledger(tmp_path)

    assert code == 0, report["discrepancies"]
    assert report["consistent"] is True
    counts = report["counts"]
    assert counts["accounts"] == 3
    assert counts["requests"] == 11
    assert (counts["requests succeeded"], counts["requests failed"]) == (9, 2)
    assert counts["transactions"] == LedgerEntry.objects.count() == 8
    assert counts["transfers matched by a credit"] == 2
    assert counts["transfers matched by a refund"] == 1
    assert counts["account rows compared"] == 3
    assert counts["ledger entries compared"] == 8
    assert counts["request rows compared"] == 11
    assert (
        report["events_checked"]
        == StoredEventRecord.objects.filter(application_name__in=["Commands", "Sagas", "Accounts"]).count()
    )
    assert report["totals"]["balances"] == "70.00"
    assert (report["totals"]["deposits"], report["totals"]["withdrawals"]) == ("100.00", "30.00")
    verification = LedgerVerification.objects.get()
    assert (verification.status, verification.outcome, verification.discrepancy_count) == (
        "done",
        "consistent",
        0,
    )


def test_a_changed_read_model_balance_is_named(books, tmp_path):
    AccountSummary.objects.filter(account_id=books["bob"]).update(balance=F("balance") + 1)

    code, report = verifyledger(tmp_path)

    assert code == 1
    [found] = discrepancies(report, "balance")
    assert found["account_id"] == str(books["bob"])
    assert "balance is 28.00, events say 27.00" in found["detail"]
    assert LedgerVerification.objects.get().outcome == "discrepancies"


def test_a_removed_ledger_row_is_named(books, tmp_path):
    entry = LedgerEntry.objects.filter(account_id=books["alice"]).order_by("version")[1]
    entry.delete()

    code, report = verifyledger(tmp_path)

    assert code == 1
    [found] = discrepancies(report, "read model")
    assert found["account_id"] == str(books["alice"])
    assert f"ledger entries missing for versions [{entry.version}]" in found["detail"]


def test_a_transaction_applied_twice_is_named(books, tmp_path):
    """Accounts' position in the Sagas log moved back, and the withdrawal's request
    replayed into a fresh copy of Accounts: the account is debited a second time."""
    env = persistence_env("django")
    sagas = Sagas(env=env)
    request = debit_request(books["withdrawal"])
    NotificationTrackingRecord.objects.filter(
        application_name="Accounts", upstream_application_name="Sagas", notification_id__gte=request
    ).delete()
    copy = Accounts(env=env)
    copy.follow("Sagas", sagas.notification_log)
    copy.pull_and_process("Sagas", start=request - 1, stop=request)  # start is exclusive
    assert copy.get_balance(books["alice"]) == D("13.00")  # 43.00 less the 30.00 again

    code, report = verifyledger(tmp_path)

    assert code == 1
    [twice] = discrepancies(report, "applied twice")
    assert twice["request_id"] == str(books["withdrawal"])
    assert twice["account_id"] == str(books["alice"])
    assert "transaction applied twice" in twice["detail"]
    assert discrepancies(report, "money conserved")


def debit_request(saga_id):
    """The notification id of the saga's DebitRequested event."""
    return StoredEventRecord.objects.get(
        application_name="Sagas", originator_id=saga_id, topic=get_topic(Saga.DebitRequested)
    ).id


def test_an_unmatched_transfer_debit_is_named(books, tmp_path):
    """The last transfer's credit to Bob is removed from the store: its debit stands alone."""
    credit = StoredEventRecord.objects.filter(application_name="Accounts", originator_id=books["bob"]).latest(
        "originator_version"
    )
    credit.delete()

    code, report = verifyledger(tmp_path)

    assert code == 1
    [transfer] = discrepancies(report, "transfer")
    assert transfer["request_id"] == str(books["last transfer"])
    assert "transfer succeeded but moved -7.00" in transfer["detail"]
    assert discrepancies(report, "money conserved")


def test_a_debit_below_the_overdraft_limit_is_named(books, tmp_path):
    accounts = Accounts(env=persistence_env("django"))
    bob = accounts.get_account(books["bob"])
    bob.append_transaction(D("-100.00"))  # past every guard: 27.00 - 100.00 < -50.00
    accounts.save(bob)

    code, report = verifyledger(tmp_path)

    assert code == 1
    [below] = discrepancies(report, "overdraft limit")
    assert below["account_id"] == str(books["bob"])
    assert "below the overdraft limit of 50.00" in below["detail"]


def test_a_request_pending_too_long_is_named(books, commands, tmp_path):
    stuck = commands.deposit_funds(books["alice"], "1.00")  # no worker carries it out

    assert verifyledger(tmp_path)[0] == 0  # pending for less than the limit
    code, report = verifyledger(tmp_path, "--pending-limit", "0")

    assert code == 1
    [pending] = discrepancies(report, "pending")
    assert pending["request_id"] == str(stuck)


def test_random_traffic_leaves_consistent_books(commands, carry_out, tmp_path):
    account_ids = [commands.open_account(f"Customer {n}") for n in range(8)]
    carry_out()
    workload = submit_random_requests(commands, account_ids, 400, seed=16)
    carry_out()
    final = wait_until_final(Sagas(env=persistence_env("django")), workload.requests, timeout=5)

    code, report = verifyledger(tmp_path)

    assert code == 0, report["discrepancies"]
    counts = report["counts"]
    assert counts["requests"] == SagaSummary.objects.count() == len(workload.requests) + len(account_ids)
    assert counts["requests failed"] == sum(s.has_errored for s in final.values())
    assert counts["requests succeeded"] == len(account_ids) + sum(s.has_succeeded for s in final.values())
    assert counts["accounts"] == AccountSummary.objects.count()
    assert counts["transactions"] == counts["ledger entries compared"] == LedgerEntry.objects.count()
    assert counts["transfers matched by a refund"] > 0
    assert counts["requests failed"] > 0
