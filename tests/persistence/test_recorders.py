"""eventsourcing's own recorder test cases, run against the project's persistence module."""

import pytest
from django.db import connection
from django.test import TransactionTestCase
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.tests import persistence as eventsourcing_cases
from eventsourcing_django.models import NotificationTrackingRecord, SnapshotRecord, StoredEventRecord

from bankproject.persistence import (
    BankAggregateRecorder,
    BankApplicationRecorder,
    BankProcessRecorder,
    batch,
)
from tests.database import close_connections_left_by_threads


class DatabaseTestCase(TransactionTestCase):
    reset_sequences = True  # the cases expect notification ids to start at 1

    def close_db_connection(self, *args):
        connection.close()

    def tearDown(self):
        close_connections_left_by_threads()
        super().tearDown()


class TestAggregateRecorder(DatabaseTestCase, eventsourcing_cases.AggregateRecorderTestCase):
    def create_recorder(self):
        return BankAggregateRecorder(application_name="app", model=StoredEventRecord)


class TestSnapshotRecorder(DatabaseTestCase, eventsourcing_cases.AggregateRecorderTestCase):
    def create_recorder(self):
        return BankAggregateRecorder(application_name="app", model=SnapshotRecord)


class TestApplicationRecorder(DatabaseTestCase, eventsourcing_cases.ApplicationRecorderTestCase):
    def create_recorder(self):
        return BankApplicationRecorder(application_name="app", model=StoredEventRecord)


class TestProcessRecorder(DatabaseTestCase, eventsourcing_cases.ProcessRecorderTestCase):
    def create_recorder(self):
        return BankProcessRecorder(application_name="app", model=StoredEventRecord)


class TestNonInterleavingNotificationIDs(
    DatabaseTestCase, eventsourcing_cases.NonInterleavingNotificationIDsBaseCase
):
    def create_recorder(self):
        return BankApplicationRecorder(application_name="app", model=StoredEventRecord)


@pytest.mark.django_db(transaction=True)
def test_a_batch_records_each_position_once_in_order_and_all_or_nothing():
    recorder = BankProcessRecorder(application_name="follower", model=StoredEventRecord)
    with pytest.raises(IntegrityError), batch("follower"):
        recorder.insert_events([], tracking=Tracking("leader", 2))
        recorder.insert_events([], tracking=Tracking("leader", 3))
        recorder.insert_events([], tracking=Tracking("leader", 3))
    assert recorder.max_tracking_id("leader") is None  # nothing of the failed batch is left

    with batch("follower"):
        recorder.insert_events([], tracking=Tracking("leader", 1))
        recorder.insert_events([], tracking=Tracking("other leader", 1))
        recorder.insert_events([], tracking=Tracking("leader", 2))
    with pytest.raises(IntegrityError), batch("follower"):
        recorder.insert_events([], tracking=Tracking("leader", 1))
    assert (recorder.max_tracking_id("leader"), recorder.max_tracking_id("other leader")) == (2, 1)
    # One row per leader and batch: its last position.
    rows = NotificationTrackingRecord.objects.filter(application_name="follower")
    assert sorted(rows.values_list("upstream_application_name", "notification_id")) == [
        ("leader", 2),
        ("other leader", 1),
    ]
