"""The hot paths written in SQL read and write what eventsourcing-django, Django and
mysqlclient would: the follower loops' notification reader, write_rows' value converters,
and the statements written with their values in on MariaDB."""

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from django.db import connection
from eventsourcing.persistence import StoredEvent
from eventsourcing_django.models import StoredEventRecord

from accounts.models import AccountSummary, BankTotals, LedgerEntry
from infrastructure.models import ProjectionTrackingRecord
from infrastructure.persistence import BankApplicationRecorder
from infrastructure.persistence.notifications import read_in_sql
from infrastructure.persistence.sqlwriter import converter, mysql_statement
from sagas.models import HourlyRequests, SagaSummary

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_notification_reader_reads_what_the_recorder_reads_for_every_shape_of_query():
    recorder = BankApplicationRecorder(application_name="Leader", model=StoredEventRecord)
    other = BankApplicationRecorder(application_name="Other", model=StoredEventRecord)
    for n in range(12):
        topic = f"module:Event{n % 3}"
        recorder.insert_events([StoredEvent(uuid4(), 1, topic, b'{"n": %d}' % n)])
        other.insert_events([StoredEvent(uuid4(), 1, topic, b"{}")])
    reader = read_in_sql(recorder)
    first = recorder.max_notification_id() - 20
    for start in (None, first, first + 7):
        for stop in (None, first + 15):
            for topics in ((), ("module:Event1",), ("module:Event0", "module:Event2")):
                for inclusive in (True, False):
                    for limit in (1, 5, 100):
                        query = dict(start=start, limit=limit, stop=stop, topics=topics)
                        expected = recorder.select_notifications(**query, inclusive_of_start=inclusive)
                        read = reader.select_notifications(**query, inclusive_of_start=inclusive)
                        assert read == expected, (query, inclusive)
    assert reader.max_notification_id() == recorder.max_notification_id()


VALUES = {
    "CharField": ["Alice", "Bób Jönes ✓ 𝄞", 'it\'s \\ 100% "quoted"', ""],
    "TextField": ["Refused: it's\nclosed", ""],
    "UUIDField": [uuid4()],
    "DecimalField": [Decimal("1234567.89"), Decimal("-0.01"), Decimal("0.00")],
    "DateTimeField": [datetime(2026, 12, 2, 8, 30, 15, 123456, tzinfo=UTC)],
    "BooleanField": [True, False],
    "PositiveIntegerField": [0, 7],
    "IntegerField": [0, -3],
    "BigIntegerField": [2**40],
    "BigAutoField": [5],
}


def test_write_rows_converts_every_read_model_field_as_the_field_itself_does():
    models = [AccountSummary, LedgerEntry, SagaSummary, HourlyRequests, BankTotals, ProjectionTrackingRecord]
    seen = set()
    for model in models:
        for field in model._meta.concrete_fields:
            for value in [*VALUES.get(field.get_internal_type(), []), None]:
                if value is None and not field.null:
                    continue
                expected = field.get_db_prep_save(value, connection)
                assert converter(field, connection)(value) == expected, (model, field.name, value)
                seen.add(field.get_internal_type())
    assert {"CharField", "UUIDField", "DecimalField", "DateTimeField", "BooleanField"} <= seen


@pytest.mark.mariadb
def test_statements_are_written_with_their_values_in_as_mysqlclient_writes_them():
    params = [
        "Alice",
        "Bób Jönes ✓ 𝄞",
        'it\'s \\ 100% "quoted"\n\t\x1a',
        "",
        0,
        -7,
        2**62,
        None,
        True,
        Decimal("1234567.89"),
        Decimal("-0.01"),
        Decimal("1E+2"),
        b"\x00\xff{}",
        uuid4(),
        datetime(2026, 12, 2, 8, 30, 15, 123456),
    ]
    sql = "SELECT " + ", ".join(["%s"] * len(params))
    connection.ensure_connection()
    raw = connection.connection.cursor()  # mysqlclient's own cursor
    try:
        written = mysql_statement(connection.connection, sql, params)
        assert written == raw._mogrify(sql.encode(), tuple(params))
        # And the database reads the text back as it was (the bytes would not decode as text).
        raw.execute(mysql_statement(connection.connection, "SELECT %s, %s, %s, %s", params[:4]))
        assert raw.fetchone() == tuple(params[:4])
    finally:
        raw.close()


def test_the_first_events_of_aggregates_are_read_in_one_query_from_their_own_log_only(
    django_assert_num_queries,
):
    sagas = BankApplicationRecorder(application_name="Sagas", model=StoredEventRecord)
    other = BankApplicationRecorder(application_name="Other", model=StoredEventRecord)
    first, second, elsewhere, unknown = uuid4(), uuid4(), uuid4(), uuid4()
    sagas.insert_events(
        [StoredEvent(first, 1, "m:Started", b'{"a": 1}'), StoredEvent(first, 2, "m:Next", b"{}")]
    )
    sagas.insert_events([StoredEvent(second, 1, "m:Started", b'{"b": 2}')])
    other.insert_events(
        [StoredEvent(elsewhere, 1, "m:Started", b"{}"), StoredEvent(first, 1, "m:Mine", b"{}")]
    )
    with django_assert_num_queries(1):
        read = sagas.select_first_events([first, second, elsewhere, unknown])
    assert sorted(read, key=lambda e: e.state) == [
        StoredEvent(first, 1, "m:Started", b'{"a": 1}'),
        StoredEvent(second, 1, "m:Started", b'{"b": 2}'),
    ]
    assert sagas.select_first_events([]) == []
