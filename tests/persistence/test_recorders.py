"""eventsourcing's own recorder test cases, run against the project's persistence module."""

from uuid import uuid4

import pytest
from django.db import connection
from django.test import TransactionTestCase
from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing.tests import persistence as eventsourcing_cases
from eventsourcing_django.models import NotificationTrackingRecord, SnapshotRecord, StoredEventRecord

from infrastructure.persistence import (
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
    both_and_none = {"leader": 2, "other leader": 1, "no leader": None}
    assert recorder.max_tracking_ids(list(both_and_none)) == both_and_none
    with batch("follower"):
        assert recorder.max_tracking_ids(list(both_and_none)) == both_and_none
        recorder.insert_events([], tracking=Tracking("leader", 3))
        assert recorder.max_tracking_ids(list(both_and_none)) == {**both_and_none, "leader": 3}
    # One row per leader and batch: its last position.
    rows = NotificationTrackingRecord.objects.filter(application_name="follower")
    assert sorted(rows.values_list("upstream_application_name", "notification_id")) == [
        ("leader", 2),
        ("leader", 3),
        ("other leader", 1),
    ]


def stored_event(originator_id, version):
    return StoredEvent(originator_id=originator_id, originator_version=version, topic="topic", state=b"{}")


@pytest.mark.django_db(transaction=True)
def test_a_batch_inserts_its_events_together_at_its_end_or_before_they_are_read():
    recorder = BankProcessRecorder(application_name="follower", model=StoredEventRecord)
    first, second = uuid4(), uuid4()
    with batch("follower", events_at_end=True):  # a follower loop's batch
        assert recorder.insert_events([stored_event(first, 1)], tracking=Tracking("leader", 1)) == []
        assert not StoredEventRecord.objects.filter(application_name="follower").exists()  # not yet
        assert [e.originator_version for e in recorder.select_events(first)] == [1]  # inserted to be read
        recorder.insert_events(
            [stored_event(first, 2), stored_event(second, 1)], tracking=Tracking("leader", 2)
        )
    notifications = recorder.select_notifications(start=None, limit=10)
    assert [(n.originator_id, n.originator_version) for n in notifications] == [
        (first, 1),
        (first, 2),
        (second, 1),
    ]
    assert [n.id for n in notifications] == sorted({n.id for n in notifications})

    # A clash found when the batch's events are inserted rolls the whole batch back.
    with pytest.raises(IntegrityError), batch("follower"):
        recorder.insert_events([stored_event(uuid4(), 1)], tracking=Tracking("leader", 3))
        recorder.insert_events([stored_event(second, 1)], tracking=Tracking("leader", 4))
    assert len(recorder.select_notifications(start=None, limit=10)) == 3
    assert recorder.max_tracking_id("leader") == 2


@pytest.mark.django_db(transaction=True)
def test_recording_outside_a_batch_is_a_batch_of_one_and_inside_another_applications_is_refused():
    recorder = BankProcessRecorder(application_name="follower", model=StoredEventRecord)
    first = uuid4()
    # eventsourcing's own runners pass the notification ids on: a batch of one inserts at once.
    ids = recorder.insert_events(
        [stored_event(first, 1), stored_event(first, 2)], tracking=Tracking("leader", 1)
    )
    assert ids == [n.id for n in recorder.select_notifications(start=None, limit=10)]
    assert len(ids) == 2
    assert recorder.max_tracking_id("leader") == 1
    with pytest.raises(IntegrityError):  # the same tracking guard as a loop's batch
        recorder.insert_events([stored_event(uuid4(), 1)], tracking=Tracking("leader", 1))
    assert len(recorder.select_notifications(start=None, limit=10)) == 2

    with pytest.raises(RuntimeError, match="inside a batch of leader"), batch("leader"):
        recorder.insert_events([stored_event(uuid4(), 1)], tracking=Tracking("leader", 2))
    assert recorder.max_tracking_id("leader") == 1
