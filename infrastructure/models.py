from django.db import models


class EventInsertLock(models.Model):
    """One row per application, locked while that application inserts events.

    See infrastructure.persistence.serialise_inserts for why.
    """

    application_name = models.CharField(max_length=32, unique=True)
    last_locked_at = models.DateTimeField()

    class Meta:
        db_table = "event_insert_locks"

    def __str__(self) -> str:
        return self.application_name


class FollowerState(models.Model):
    """What a follower of the system is doing, as its worker last recorded it.

    Written by the follower's loop when its state changes and at each failed
    attempt, read by systemstatus and the admin dashboard.
    """

    RUNNING, RETRYING, STOPPED = "running", "retrying", "stopped"

    application_name = models.CharField(max_length=32, unique=True)
    state = models.CharField(
        max_length=8, choices=[(RUNNING, "running"), (RETRYING, "retrying"), (STOPPED, "stopped")]
    )
    since = models.DateTimeField()  # when it started running, began failing, or stopped
    failures = models.PositiveIntegerField(default=0)  # attempts failed in a row
    last_error = models.TextField(blank=True)
    leader_name = models.CharField(max_length=32, blank=True)  # of the notification it fails on
    notification_id = models.BigIntegerField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "follower_states"

    def __str__(self) -> str:
        return f"{self.application_name}: {self.state}"


class ProjectionTrackingRecord(models.Model):
    """The read-model projections' positions, apart from the money path's.

    eventsourcing-django keeps every follower's positions in one table
    (notification_tracking). A rebuild rewrites the projections' positions (when it
    swaps its rows in); in the shared table its locks (InnoDB's gap locks) would hold
    up Sagas' and Accounts' own tracking inserts. Same columns, its own table.
    """

    uid = models.BigAutoField(primary_key=True)
    application_name = models.CharField(max_length=32)
    upstream_application_name = models.CharField(max_length=32)
    notification_id = models.BigIntegerField()

    class Meta:
        db_table = "projection_tracking"
        unique_together = (("application_name", "upstream_application_name", "notification_id"),)

    def __str__(self) -> str:
        return f"{self.application_name} at {self.notification_id} of {self.upstream_application_name}"
