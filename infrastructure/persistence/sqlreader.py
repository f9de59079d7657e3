"""Reading the rows of a table whose field is one of some values, in SQL, as model instances.

For the read-model projections' reads (ReadModelChanges), once or twice a batch per table:
the ORM builds and compiles a queryset on each call, which cost as much as the rows' own
reading. Here the statement's text is made here from the model's columns, and each value
read is converted as the ORM converts it (the database's converters, then the field's), so
the instances are those the ORM would have made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db import connections, router
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
