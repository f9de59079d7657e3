"""Reads in SQL for the hot and the frequent paths: the rows of a table whose field is one
of some values, as model instances; and the highest value of a column among some rows.

For the read-model projections' reads (ReadModelChanges), once or twice a batch per table:
the ORM builds and compiles a queryset on each call, which cost as much as the rows' own
reading. Here the statement's text is made here from the model's columns, and each value
read is converted as the ORM converts it (the database's converters, then the field's), so
the instances are those the ORM would have made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.models import Model

# Per model, field and database: the statement's start and the converters of each column.
_readers: dict[tuple[type[Model], str, str], tuple[str, list[list[Callable[..., Any]]], list[Any]]] = {}


def rows_where(model: type[Model], field_name: str, values: Iterable[Any]) -> list[Model]:
    """The rows of model's table whose field_name is one of values, in no order."""
    values = list(values)
    if not values:
        return []
    connection = connections[router.db_for_read(model)]
    meta = model._meta
    field = meta.pk if field_name == "pk" else meta.get_field(field_name)
    key = (model, field.name, connection.alias)
    if key not in _readers:
        quote = connection.ops.quote_name
        fields = meta.concrete_fields
        columns = [field.get_col(meta.db_table) for field in fields]
        select = (
            f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(meta.db_table)}"
            f" WHERE {quote(field.column)} IN "
        )
        converters = [
            connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            for column in columns
        ]
        _readers[key] = (select, converters, columns)
    select, converters, columns = _readers[key]
    params = [field.get_db_prep_value(value, connection, prepared=False) for value in values]
    with connection.cursor() as cursor:
        cursor.execute(select + "(" + ", ".join(["%s"] * len(params)) + ")", params)
        rows = cursor.fetchall()
    attnames = [f.attname for f in meta.concrete_fields]
    instances = []
    for row in rows:
        converted = list(row)
        for i, column_converters in enumerate(converters):
            for convert in column_converters:
                converted[i] = convert(converted[i], columns[i], connection)
        instances.append(model.from_db(connection.alias, attnames, converted))
    return instances


# Per database and shape of probes: the statement's text (see highest_values).
_highest: dict[tuple[str, tuple[tuple[type[Model], str, bool], ...]], str] = {}


def highest_values(
    probes: Sequence[tuple[type[Model], str, str, str | None]], using: str | None = None
) -> list[int | None]:
    """For each (model, column, application, leader) the column's highest value among the
    application's rows (of that leader, unless None), read with one SELECT of scalar
    subqueries, each the last entry of an index that ends with the column: a follower's
    positions in its leaders' logs, a log's last notification. Its text is made once a shape."""
    connection = connections[using or DEFAULT_DB_ALIAS]
    shape = tuple((model, column, leader is not None) for model, column, _, leader in probes)
    sql = _highest.get((connection.alias, shape))
    if sql is None:
        quote = connection.ops.quote_name
        subqueries = []
        for model, column, with_leader in shape:
            meta = model._meta
            value = quote(meta.get_field(column).column)
            where = f"{quote(meta.get_field('application_name').column)} = %s"
            if with_leader:
                where += f" AND {quote(meta.get_field('upstream_application_name').column)} = %s"
            subqueries.append(
                f"(SELECT {value} FROM {quote(meta.db_table)} WHERE {where} ORDER BY {value} DESC LIMIT 1)"
            )
        sql = _highest[(connection.alias, shape)] = "SELECT " + ", ".join(subqueries)
    params = [
        value for _, _, application, leader in probes for value in (application, leader) if value is not None
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchone())
