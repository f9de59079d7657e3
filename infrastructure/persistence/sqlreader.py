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
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from infrastructure.transcoding import uuid_from_hex

# Per model, field and database: the statement's start and the converters of each column.
_readers: dict[tuple[type[Model], str, str], tuple[str, list[list[Callable[..., Any]]], list[Any]]] = {}


def rows_where(
    model: type[Model], field_name: str, values: Iterable[Any], using: str | None = None, **equal: Any
) -> list[Model]:
    """The rows of model's table whose field_name is one of values (and whose other fields
    are as equal gives), in no order."""
    values = list(values)
    if not values:
        return []
    connection = connections[using or router.db_for_read(model)]
    meta = model._meta
    field = meta.pk if field_name == "pk" else meta.get_field(field_name)
    key = (model, field.name, *equal, connection.alias)
    if key not in _readers:
        quote = connection.ops.quote_name
        fields = meta.concrete_fields
        columns = [field.get_col(meta.db_table) for field in fields]
        where = "".join(f"{quote(meta.get_field(name).column)} = %s AND " for name in equal)
        select = (
            f"SELECT {', '.join(quote(f.column) for f in fields)} FROM {quote(meta.db_table)}"
            f" WHERE {where}{quote(field.column)} IN "
        )
        converters = [
            [faster_converter(convert, connection) for convert in connection.ops.get_db_converters(column)]
            + column.get_db_converters(connection)
            for column in columns
        ]
        _readers[key] = (select, converters, columns)
    select, converters, columns = _readers[key]
    params = [meta.get_field(name).get_db_prep_value(value, connection) for name, value in equal.items()]
    params += [field.get_db_prep_value(value, connection, prepared=False) for value in values]
    with connection.cursor() as cursor:
        cursor.execute(select + "(" + ", ".join(["%s"] * len(values)) + ")", params)
        rows = cursor.fetchall()
    make = instance_maker(model, connection.alias)
    instances = []
    for row in rows:
        converted = list(row)
        for i, column_converters in enumerate(converters):
            for convert in column_converters:
                converted[i] = convert(converted[i], columns[i], connection)
        instances.append(make(converted))
    return instances


def faster_converter(convert: Callable[..., Any], connection: Any) -> Callable[..., Any]:
    """The database's converter of a column's values, or the same conversion done faster:
    a native UUID column's text read through the cache of uuid_from_hex."""
    own = getattr(type(connection.ops), "convert_uuidfield_value", None)  # none where ids are native
    if own is not None and getattr(convert, "__func__", None) is own:
        return lambda value, expression, connection: None if value is None else uuid_from_hex(value)
    return convert


def instance_maker(model: type[Model], alias: str) -> Callable[[list[Any]], Model]:
    """Makes an instance of a row's values (of every concrete field, in order) as
    Model.from_db does. Unless someone listens for its pre_init or post_init signals,
    without Model.__init__: which sends them, and checks its arguments, once a row."""
    if pre_init.has_listeners(model) or post_init.has_listeners(model):
        return lambda values: model.from_db(alias, None, values)
    attnames = [field.attname for field in model._meta.concrete_fields]

    def make(values: list[Any]) -> Model:
        instance = model.__new__(model)
        state = instance._state = ModelState()
        state.adding, state.db = False, alias
        for attname, value in zip(attnames, values, strict=True):
            setattr(instance, attname, value)  # through a field's descriptor, as __init__ does
        return instance

    return make


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
