"""Read-model rows read in SQL (infrastructure.persistence.sqlreader) are the ORM's rows."""

from decimal import Decimal as D

import pytest
from django.forms.models import model_to_dict

from accounts.models import AccountSummary, BankTotals, LedgerEntry
from bankproject.system import make_runner
from infrastructure.models import ProjectionTrackingRecord
from infrastructure.persistence.sqlreader import rows_where
from sagas.models import HourlyRequests, SagaSummary
from tests.system.conftest import Bank

pytestmark = pytest.mark.django_db(transaction=True)


def every_field(row):
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def test_every_read_model_row_reads_as_the_orm_reads_it():
    with make_runner("single", "django") as runner:
        bank = Bank(runner)
        alice = bank.open_account("Alice Smith", "alice@example.com")
        bob = bank.open_account("Bób Jönes ✓")
        bank.wait_for(bank.commands.deposit_funds(alice, D("1234567.89")))
        bank.wait_for(bank.commands.transfer_funds(alice, bob, D("0.01")))
        bank.wait_for(bank.commands.withdraw_funds(bob, D("5.00")))  # fails
        bank.wait_for(bank.commands.set_overdraft_limit(alice, D("50.00")))
    models = [AccountSummary, LedgerEntry, SagaSummary, HourlyRequests, BankTotals, ProjectionTrackingRecord]
    for model in models:
        by_orm = list(model.objects.all())
        assert by_orm, model
        read = rows_where(model, "pk", [row.pk for row in by_orm])
        assert sorted(map(every_field, read), key=repr) == sorted(map(every_field, by_orm), key=repr)
        assert all(type(row) is model and not row._state.adding for row in read)
        assert all(row._state.db == by_orm[0]._state.db for row in read)
    numbers = [row.number for row in AccountSummary.objects.all()]
    assert {row.full_name for row in rows_where(AccountSummary, "number", numbers)} == {
        "Alice Smith",
        "Bób Jönes ✓",
    }
    saga_ids = list(SagaSummary.objects.values_list("saga_id", flat=True))
    assert {row.saga_id for row in rows_where(SagaSummary, "saga_id", saga_ids)} == set(saga_ids)
    assert rows_where(SagaSummary, "saga_id", []) == []
    assert model_to_dict(rows_where(BankTotals, "pk", [BankTotals.ROW])[0]) == model_to_dict(
        BankTotals.objects.get(pk=BankTotals.ROW)
    )


def test_rows_read_in_sql_are_made_through_init_while_someone_listens_for_it():
    """Rows are made without Model.__init__ (sqlreader.instance_maker), unless a
    receiver of its pre_init or post_init signal would miss them."""
    from django.db.models.signals import post_init

    BankTotals.objects.create(pk=BankTotals.ROW, account_count=3)
    made = []

    def receiver(sender, instance, **kwargs):
        made.append(instance)

    post_init.connect(receiver, sender=BankTotals)
    try:
        read = rows_where(BankTotals, "pk", [BankTotals.ROW])
    finally:
        post_init.disconnect(receiver, sender=BankTotals)
    assert made == read and read[0].account_count == 3
    assert rows_where(BankTotals, "pk", [BankTotals.ROW])[0].account_count == 3
    assert len(made) == 1


def test_only_the_databases_uuid_converter_is_replaced_by_the_cached_one():
    """sqlreader.faster_converter swaps the backend's convert_uuidfield_value for the
    cached reading of ids, and leaves every other converter as it is, on every database."""
    from django.db import connection

    from infrastructure.persistence.sqlreader import faster_converter

    def another(value, expression, connection):
        return value

    assert faster_converter(another, connection) is another
    assert faster_converter(connection.ops.convert_durationfield_value, connection) == (
        connection.ops.convert_durationfield_value
    )
    own = getattr(connection.ops, "convert_uuidfield_value", None)
    if own is not None:  # the databases that read ids as text (SQLite, MariaDB)
        cached = faster_converter(own, connection)
        assert cached is not own
        assert cached("0" * 31 + "1", None, connection) == own("0" * 31 + "1", None, connection)
        assert cached(None, None, connection) is None
