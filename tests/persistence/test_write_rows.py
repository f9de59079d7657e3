"""Rows written in SQL (infrastructure.persistence.write_rows): inserts, and upserts of chosen fields."""

from datetime import timedelta
from decimal import Decimal as D
from uuid import uuid4

import pytest
from django.utils import timezone

from accounts.models import AccountSummary
from infrastructure.models import EventInsertLock
from infrastructure.persistence import write_rows

pytestmark = pytest.mark.django_db(transaction=True)


def summary(number, **fields):
    now = timezone.now()
    return AccountSummary(
        account_id=uuid4(),
        number=number,
        full_name="Alice",
        opened_at=now,
        changed_at=now,
        version=1,
        **fields,
    )


def test_new_rows_are_inserted_whole_with_one_statement(django_assert_num_queries):
    rows = [summary("000000018", balance=D("1.50")), summary("000000026", is_closed=True)]
    with django_assert_num_queries(1):
        write_rows(AccountSummary, rows)
    stored = {row.number: row for row in AccountSummary.objects.all()}
    assert stored["000000018"].balance == D("1.50") and not stored["000000018"].is_closed
    assert stored["000000026"].is_closed and stored["000000026"].account_id == rows[1].account_id


def test_rows_read_are_written_back_with_only_the_fields_named():
    write_rows(AccountSummary, [summary("000000018"), summary("000000026")])
    first, second = AccountSummary.objects.order_by("number")
    first.balance, first.version = D("10.00"), 2
    first.full_name = "Not written"
    second.balance = D("-3.00")
    write_rows(AccountSummary, [first, second], update_fields=["balance", "version"])
    first, second = AccountSummary.objects.order_by("number")
    assert (first.balance, first.version, first.full_name) == (D("10.00"), 2, "Alice")
    assert second.balance == D("-3.00")
    assert AccountSummary.objects.count() == 2


def test_an_upsert_on_a_unique_field_keeps_one_row():
    earlier = timezone.now() - timedelta(minutes=1)
    for locked_at in (earlier, timezone.now()):
        write_rows(
            EventInsertLock,
            [EventInsertLock(application_name="Sagas", last_locked_at=locked_at)],
            update_fields=["last_locked_at"],
            unique_fields=["application_name"],
        )
    (lock,) = EventInsertLock.objects.all()
    assert lock.last_locked_at > earlier
