"""Reading a leader's notifications in SQL, for follower loops.

eventsourcing-django's select_notifications builds a queryset, compiles it and makes
a model instance of every row on each call: a follower loop calls it for each leader
before every batch, and it was a quarter of a worker's CPU. Here the statement's text is
made once per shape (with or without a start, a stop, how many topics) and the rows are
read as tuples straight into Notifications: the same rows, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import DEFAULT_DB_ALIAS, connections
from eventsourcing.persistence import Notification
from eventsourcing_django.recorders import DjangoApplicationRecorder, errors

from infrastructure.transcoding import uuid_from_hex


class SQLNotificationReader:
    """A Django application recorder's notifications, read with one cached statement.

    Anything else asked of it (max_notification_id, say) is the recorder's.
    """

    def __init__(self, recorder: DjangoApplicationRecorder) -> None:
        self.recorder = recorder
        self.statements: dict[tuple[bool, bool, bool, int], str] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.recorder, name)

    @errors
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> list[Notification]:
        recorder = self.recorder
        connection = connections[recorder.using or DEFAULT_DB_ALIAS]
        shape = (start is None, inclusive_of_start, stop is None, len(topics))
        sql = self.statements.get(shape)
        if sql is None:
            sql = self.statements[shape] = self.statement(connection, *shape)
        params: list[Any] = [recorder.application_name]
        if start is not None:
            params.append(start)
        if stop is not None:
            params.append(stop)
        params += topics
        params.append(limit)
        with recorder.serialize(), connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        return [
            Notification(
                id=notification_id,
                originator_id=originator_id if type(originator_id) is UUID else uuid_from_hex(originator_id),
                originator_version=originator_version,
                topic=topic,
                state=state if type(state) is bytes else bytes(state),
            )
            for notification_id, originator_id, originator_version, topic, state in rows
        ]

    def statement(self, connection: Any, no_start: bool, inclusive: bool, no_stop: bool, topics: int) -> str:
        meta = self.recorder.model._meta
        quote = connection.ops.quote_name
        column = {name: quote(meta.get_field(name).column) for name in ("application_name", "topic")}
        notification_id = quote(meta.pk.column)
        columns = ", ".join(
            quote(meta.get_field(name).column)
            for name in ("id", "originator_id", "originator_version", "topic", "state")
        )
        where = [f"{column['application_name']} = %s"]
        if not no_start:
            where.append(f"{notification_id} {'>=' if inclusive else '>'} %s")
        if not no_stop:
            where.append(f"{notification_id} <= %s")
        if topics:
            where.append(f"{column['topic']} IN ({', '.join(['%s'] * topics)})")
        return (
            f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {' AND '.join(where)}"
            f" ORDER BY {notification_id} LIMIT %s"
        )


def read_in_sql(source: Any) -> Any:
    """The source, read in SQL if it is a Django application recorder (a Ray actor's proxy,
    say, is left as it is)."""
    if isinstance(source, DjangoApplicationRecorder):
        return SQLNotificationReader(source)
    return source
