"""Fast bulk UPDATE of many rows by primary key.

Django's bulk_update builds a CASE WHEN expression per field and row, which costs more CPU than
the database spends on the update; the event pipeline updates hundreds of rows per batch. On
PostgreSQL: ONE statement joining the table to the new values passed as arrays (unnest); elsewhere
one prepared statement, executemany.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connections, router
from django.db.models import Model


def update_by_pk(model: type[Model], objects: Iterable[Model], field_names: list[str]) -> int:
    objects = list(objects)
    if not objects:
        return 0
    fields = [model._meta.get_field(name) for name in field_names]
    # The database wrapper itself, not the `django.db.connection` proxy: the proxy looks the
    # connection up (asgiref Local) on every attribute access, and each value below reads it.
    connection = connections[router.db_for_write(model)]
    table = connection.ops.quote_name(model._meta.db_table)
    if connection.vendor == "postgresql":
        return _update_from_arrays(connection, model, objects, fields, table)
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    pk_column = connection.ops.quote_name(model._meta.pk.column)
    sql = f"UPDATE {table} SET {assignments} WHERE {pk_column} = %s"  # noqa: S608 - identifiers from model meta
    params = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk]
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
    return len(params)


def _update_from_arrays(connection, model: type[Model], objects: list[Model], fields: list, table: str) -> int:
    quote = connection.ops.quote_name
    pk = model._meta.pk
    names = [f"v{i}" for i in range(len(fields))]
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in [pk, *fields])
    assignments = ", ".join(f"{quote(field.column)} = v.{name}" for field, name in zip(fields, names, strict=True))
    sql = (
        f"UPDATE {table} SET {assignments} FROM unnest({arrays}) AS v(pk, {', '.join(names)}) "  # noqa: S608
        f"WHERE {table}.{quote(pk.column)} = v.pk"
    )
    params = [[obj.pk for obj in objects]] + [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for obj in objects] for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    return len(objects)
