"""Writing many rows with one SQL statement: new rows inserted, and existing ones
(by their unique fields) updated where asked. The hot paths' writes (events, lock
rows, tracking rows, read-model rows) go through here rather than the ORM."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connections, router
from django.db.backends.base.operations import BaseDatabaseOperations
from django.db.models import Field, Model
from django.db.models.constants import OnConflict

# Each field's converter of values for SQL, per database (see converter).
_converters: dict[tuple[Field, str], Callable[[Any], Any]] = {}
INTEGER_FIELDS = {"IntegerField", "BigIntegerField", "PositiveIntegerField", "SmallIntegerField"}


def converter(field: Field, connection: Any) -> Callable[[Any], Any]:
    """What field.get_db_prep_save(value, connection) does, faster for the values the
    hot paths write: a str, an int, a bool, a UUID, a Decimal, an aware datetime on
    MySQL/MariaDB are converted here, as Django converts them; any other value (None,
    a choice's enum, a naive datetime...) is the field's to convert.
    """
    key = (field, connection.alias)
    if key in _converters:
        return _converters[key]

    def slow(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    kind = field.get_internal_type()
    fast: Callable[[Any], Any] = slow
    if kind in ("CharField", "TextField"):
        fast = lambda value: value if type(value) is str else slow(value)  # noqa: E731
    elif kind in INTEGER_FIELDS and not field.primary_key and plain(connection, "adapt_integerfield_value"):
        fast = lambda value: value if type(value) is int else slow(value)  # noqa: E731
    elif kind == "BooleanField":
        fast = lambda value: value if type(value) is bool else slow(value)  # noqa: E731
    elif kind == "UUIDField" and not connection.features.has_native_uuid_field:
        fast = lambda value: value.hex if type(value) is UUID else slow(value)  # noqa: E731
    elif kind == "UUIDField":  # a native type (PostgreSQL, MariaDB 10.7+): the driver writes it
        fast = lambda value: value if type(value) is UUID else slow(value)  # noqa: E731
    elif kind == "DecimalField" and plain(connection, "adapt_decimalfield_value"):
        fast = lambda value: value if type(value) is Decimal and value.is_finite() else slow(value)  # noqa: E731
    elif kind == "DateTimeField" and connection.vendor == "mysql" and connection.timezone is not None:
        zone = connection.timezone  # MySQL's adapt_datetimefield_value, for an aware datetime

        def fast(value: Any) -> Any:
            if type(value) is datetime and value.utcoffset() is not None:
                return str(value.astimezone(zone).replace(tzinfo=None))
            return slow(value)

    _converters[key] = fast
    return fast


def plain(connection: Any, adapt: str) -> bool:
    """Whether the database's operations adapt such values as Django's base does: not at all."""
    return getattr(type(connection.ops), adapt) is getattr(BaseDatabaseOperations, adapt)


def write_rows(
    model: type[Model],
    rows: list[Model],
    update_fields: list[str] | None = None,
    unique_fields: list[str] | None = None,
    using: str | None = None,
    returning_ids: bool = False,
) -> list[int]:
    """Inserts new rows with one statement, in order; with update_fields, rows that
    exist already (by unique_fields, the primary key if not given) have those fields
    updated. With returning_ids, returns the new rows' primary keys.

    In SQL rather than through the ORM: Django's bulk_create and bulk_update
    build and compile expressions per row and field (bulk_update a CASE per field
    and row), which costs many times the write itself on the hot paths (events, the
    insert lock, read models). Values are converted by the model's own fields, and
    the upsert clause is the database backend's own.
    """
    if not rows:
        return []
    connection = connections[using or router.db_for_write(model)]
    meta = model._meta
    # The primary key is written when the rows have one: rows read from the table, or
    # new rows given theirs; otherwise the database makes it.
    with_pk = all(row.pk is not None for row in rows)
    fields = [field for field in meta.concrete_fields if with_pk or not field.primary_key]
    converters = [(field.attname, converter(field, connection)) for field in fields]
    params = [convert(getattr(row, attname)) for row in rows for attname, convert in converters]
    return execute_insert(
        connection, model, fields, params, len(rows), update_fields, unique_fields, returning_ids
    )


def insert_values(
    model: type[Model],
    field_names: Sequence[str],
    rows: Sequence[Sequence[Any]],
    using: str | None = None,
    returning_ids: bool = False,
) -> list[int]:
    """As write_rows, for new rows given as their values in the order of field_names: no
    model instance is made for them (a batch's events, say)."""
    if not rows:
        return []
    connection = connections[using or router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in field_names]
    converters = [converter(field, connection) for field in fields]
    params = [convert(value) for row in rows for convert, value in zip(converters, row, strict=True)]
    return execute_insert(connection, model, fields, params, len(rows), returning_ids=returning_ids)


def execute_insert(
    connection: Any,
    model: type[Model],
    fields: list[Field],
    params: list[Any],
    row_count: int,
    update_fields: list[str] | None = None,
    unique_fields: list[str] | None = None,
    returning_ids: bool = False,
) -> list[int]:
    """The one INSERT (or upsert) of row_count rows of fields, whose values params holds, converted."""
    meta = model._meta
    quote = connection.ops.quote_name
    insert = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values = f"VALUES {', '.join([row_sql] * row_count)}"
    if update_fields is not None:
        columns = [meta.get_field(name).column for name in update_fields]
        unique_columns = [meta.get_field(name).column for name in unique_fields or [meta.pk.name]]
        upsert = connection.ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, columns, unique_columns)
        values += f" {upsert}"
    with connection.cursor() as cursor:
        if not returning_ids:
            if connection.vendor == "mysql":
                # The statement with its values written in (mysqlclient would do the same).
                cursor.execute(mysql_statement(connection.connection, f"{insert} {values}", params))
            else:
                cursor.execute(f"{insert} {values}", params)
            return []
        if connection.features.can_return_rows_from_bulk_insert:
            cursor.execute(f"{insert} {values} RETURNING {quote(meta.pk.column)}", params)
            return [pk for (pk,) in cursor.fetchall()]
        # Without RETURNING (MySQL): one row at a time, each with its own id.
        ids = []
        for start in range(0, len(params), len(fields)):
            cursor.execute(f"{insert} VALUES {row_sql}", params[start : start + len(fields)])
            ids.append(cursor.lastrowid)
        return ids


def mysql_statement(db: Any, sql: str, params: list[Any]) -> bytes:
    """sql with params written in as mysqlclient's cursor writes them (its _mogrify), with
    the commonest values (text, integers, NULL, an event's bytes, an amount, an id) quoted here
    rather than through Connection.literal's checks and its converters."""
    string_literal, encoding, literal = db.string_literal, db.encoding, db.literal
    bytes_literal = db._bytes_literal  # what literal() does with bytes, after its checks
    literals = tuple(
        string_literal(value.encode(encoding))
        if type(value) is str
        else b"%d" % value
        if type(value) is int
        else b"NULL"
        if value is None
        else bytes_literal(value)
        if type(value) is bytes
        else format(value, "f").encode()  # as mysqlclient's Decimal2Literal
        if type(value) is Decimal
        else b"'%s'" % str(value).encode()  # a native UUID column's, as literal() writes it
        if type(value) is UUID
        else literal(value)
        for value in params
    )
    return sql.encode(encoding) % literals


insert_rows = write_rows  # its first name, from before it also updated rows
