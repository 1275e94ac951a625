"""PostgreSQL-only speed-ups for ingestion (the portable path lives beside each caller)."""

from __future__ import annotations

import orjson
from django.db import connection

from ingestion.models import Event

_COLUMNS = (
    "source_id",
    "message_id",
    "type",
    "name",
    "user_id",
    "anonymous_id",
    "group_id",
    "previous_id",
    "properties",
    "traits",
    "context",
    "timestamp",
    "original_timestamp",
    "sent_at",
    "received_at",
)
_JSON = {"properties", "traits", "context"}
_ROW = "(" + ", ".join("%s::jsonb" if c in _JSON else "%s" for c in _COLUMNS) + ")"


def insert_events_returning_keys(rows: list[Event]) -> set[tuple[int, str]]:
    """One multi-row INSERT … ON CONFLICT DO NOTHING RETURNING the new rows' keys.

    Rows go in (source, message_id) order so that concurrent inserts of overlapping keys take
    their unique-index locks in the same order (no deadlocks)."""
    rows = sorted(rows, key=lambda row: (row.source_id, row.message_id))
    table = Event._meta.db_table
    params: list = []
    for row in rows:
        for column in _COLUMNS:
            value = getattr(row, column)
            params.append(orjson.dumps(value).decode() if column in _JSON else value)
    sql = (
        f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES "  # noqa: S608 - fixed identifiers only
        + ", ".join([_ROW] * len(rows))
        + " ON CONFLICT (source_id, message_id) DO NOTHING RETURNING source_id, message_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {(source_id, message_id) for source_id, message_id in cursor.fetchall()}
