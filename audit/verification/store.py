"""The event store and the read models read as plain rows, a page per query.

Ids come back as 32 lowercase hex digits on every database (as the events' JSON holds
them), so the verification never builds a UUID object for a row: SQLite keeps UUIDs as
hex already, MariaDB and PostgreSQL are asked for them so. Amounts come back as Decimal
(SQLite's as their text, which Decimal reads exactly).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from eventsourcing.application import Application

PAGE_SIZE = 1000  # notifications read per query, per log; rows per query of a read model


def database(using: str | None = None) -> Any:
    return connections[using or DEFAULT_DB_ALIAS]


def hex_id(db: Any, column: str) -> str:
    """SQL for a UUID column as 32 hex digits."""
    quoted = db.ops.quote_name(column)
    if db.vendor == "sqlite":
        return quoted
    return f"REPLACE(CAST({quoted} AS {'TEXT' if db.vendor == 'postgresql' else 'CHAR'}), '-', '')"


def money(db: Any, column: str) -> str:
    """SQL for a decimal column, read back exactly by money_reader."""
    quoted = db.ops.quote_name(column)
    return f"CAST({quoted} AS TEXT)" if db.vendor == "sqlite" else quoted


def money_reader(db: Any) -> Callable[[Any], Decimal | None]:
    if db.vendor == "sqlite":
        return lambda value: None if value is None else Decimal(value)
    return lambda value: value  # the driver's Decimal


def event_rows(apps: dict[str, Application]) -> Iterator[tuple[int, str, str, int, str, Any]]:
    """Every stored event of the applications as (notification id, application name,
    originator id as hex, version, topic, state), in notification-id order (their ids
    come from one sequence).

    On MariaDB and PostgreSQL one query reads a page of all the logs together, along the
    primary key (on MariaDB a third of the server's CPU of a query per log, which reads
    each row through the (application_name, id) index). On SQLite, or when the logs are
    in different tables, a query per log, merged: SQLite's planner would take that index
    for the one query and sort every remaining row of the logs to find one page.
    """
    recorders = [app.recorder for app in apps.values()]
    first = recorders[0]
    together = all(r.model is first.model and r.using == first.using for r in recorders)
    if together and database(first.using).vendor in ("mysql", "postgresql"):
        return event_rows_together(list(apps), first)
    return heapq.merge(*(event_rows_together([name], app.recorder) for name, app in apps.items()))


def event_rows_together(names: list[str], recorder: Any) -> Iterator[tuple[int, str, str, int, str, Any]]:
    """The stored events of the named applications, all in one table, in notification-id
    order, a page per query."""
    db = database(recorder.using)
    quote = db.ops.quote_name
    columns = ", ".join(
        (quote("id"), quote("application_name"), hex_id(db, "originator_id"))
        + tuple(quote(c) for c in ("originator_version", "topic", "state"))
    )
    sql = (
        f"SELECT {columns} FROM {quote(recorder.model._meta.db_table)} "
        f"WHERE {quote('application_name')} IN ({', '.join(['%s'] * len(names))}) AND {quote('id')} > %s "
        f"ORDER BY {quote('id')} LIMIT {PAGE_SIZE}"
    )
    yield from paged(db, sql, names)


def paged(db: Any, sql: str, params: list[Any]) -> Iterator[tuple]:
    """The rows of sql, a page at a time: sql takes params and then the last key read
    (the first column), and returns at most PAGE_SIZE rows. Constant memory on every
    database: a cursor's iterator on MySQL holds the whole result in the client."""
    last: Any = 0
    with db.cursor() as cursor:
        while True:
            cursor.execute(sql, [*params, last])
            page = cursor.fetchall()
            yield from page
            if len(page) < PAGE_SIZE:
                return
            last = page[-1][0]


def table_rows(model: Any, columns: list[str], using: str | None = None) -> Iterator[tuple]:
    """Every row of a model's table by primary key, as (pk, *columns) with columns given
    as SQL expressions (see hex_id and money)."""
    db = database(using)
    quote = db.ops.quote_name
    pk = quote(model._meta.pk.column)
    sql = (
        f"SELECT {pk}, {', '.join(columns)} FROM {quote(model._meta.db_table)} "
        f"WHERE {pk} > %s ORDER BY {pk} LIMIT {PAGE_SIZE}"
    )
    return paged(db, sql, [])
