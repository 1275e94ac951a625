"""Daily per-event-name rollups: increments in bulk, and rebuilds after merges."""

from __future__ import annotations

from django.db import connection

from ingestion.models import Event
from profiles.models import ProfileEventDay


def upsert_event_days(rows: list[tuple[int, str, object, int, object]]) -> None:
    """Add (profile_id, name, day, count, revenue) to the rollups: INSERT … ON CONFLICT DO UPDATE
    with increments (the same SQL on PostgreSQL and SQLite)."""
    if not rows:
        return
    table = ProfileEventDay._meta.db_table
    placeholders = ", ".join(["(%s, %s, %s, %s, %s)"] * len(rows))
    params = [value for row in rows for value in row]
    sql = (
        f"INSERT INTO {table} (profile_id, name, day, count, revenue) VALUES {placeholders} "  # noqa: S608
        f"ON CONFLICT (profile_id, name, day) DO UPDATE SET "
        f"count = {table}.count + excluded.count, revenue = {table}.revenue + excluded.revenue"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rebuild_event_days(profile_id: int) -> None:
    """Recount one profile's rollups from its events (after a merge)."""
    from profiles.pipeline import revenue_of
    from profiles.settings import profile_config

    config = profile_config()
    ProfileEventDay.objects.filter(profile_id=profile_id).delete()
    totals: dict[tuple[str, object], list] = {}
    rows = Event.objects.filter(profile_id=profile_id).values_list(
        "known_as", "type", "name", "timestamp", "properties"
    )
    for rollup, event_type, name, ts, properties in rows.iterator(chunk_size=2000):
        if not rollup:
            continue
        entry = totals.setdefault((rollup, ts.date()), [0, 0])
        entry[0] += 1
        if event_type == "track" and name in config.purchase_events:
            entry[1] += revenue_of(properties)
    upsert_event_days([(profile_id, name, day, count, revenue) for (name, day), (count, revenue) in totals.items()])
