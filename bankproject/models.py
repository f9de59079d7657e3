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
