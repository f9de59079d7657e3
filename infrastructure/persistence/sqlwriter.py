"""Writing many rows with one SQL statement: new rows inserted, and existing ones
(by their unique fields) updated where asked. The hot paths' writes (events, lock
rows, tracking rows, read-model rows) go through here rather than the ORM."""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Model
from django.db.models.constants import OnConflict


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
    params = [
        field.get_db_prep_save(getattr(row, field.attname), connection) for row in rows for field in fields
    ]
    quote = connection.ops.quote_name
    insert = f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    values = f"VALUES {', '.join([row_sql] * len(rows))}"
    if update_fields is not None:
        columns = [meta.get_field(name).column for name in update_fields]
        unique_columns = [meta.get_field(name).column for name in unique_fields or [meta.pk.name]]
        upsert = connection.ops.on_conflict_suffix_sql(fields, OnConflict.UPDATE, columns, unique_columns)
        values += f" {upsert}"
    with connection.cursor() as cursor:
        if not returning_ids:
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


insert_rows = write_rows  # its first name, from before it also updated rows
