from django.db import models


class EventInsertLock(models.Model):
    """One row per application, locked while that application inserts events.

    See bankproject.persistence.serialise_inserts for why.
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
