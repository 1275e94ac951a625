"""PostgreSQL-only speed-ups for writing membership changes (engine.write_diffs keeps the portable
path): one constant-size statement per table, whatever the number of changes, instead of
Django's per-row INSERT parameters and its fetch-then-delete."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from segments.models import Membership, MembershipChange


def memberships_insert(pairs: list[tuple[int, int]], since: datetime) -> None:
    """(segment id, profile id) pairs become members since `since` (existing ones are kept)."""
    table = Membership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (segment_id, profile_id, since) "  # noqa: S608 - identifiers from model meta
            "SELECT s, p, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t(s, p) ORDER BY s, p "
            "ON CONFLICT (segment_id, profile_id) DO NOTHING",
            [since, [s for s, _ in pairs], [p for _, p in pairs]],
        )


def memberships_of(profile_ids: list[int]) -> set[tuple[int, int]]:
    """(segment id, profile id) of these profiles' current memberships, in one array-bound query."""
    table = Membership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT segment_id, profile_id FROM {table} WHERE profile_id = ANY(%s::bigint[])",  # noqa: S608
            [profile_ids],
        )
        return set(cursor.fetchall())


def memberships_delete(pairs: list[tuple[int, int]]) -> None:
    table = Membership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} m USING unnest(%s::bigint[], %s::bigint[]) AS t(s, p) "  # noqa: S608
            "WHERE m.segment_id = t.s AND m.profile_id = t.p",
            [[s for s, _ in pairs], [p for _, p in pairs]],
        )


def changes_insert(rows: list[tuple], at: datetime) -> None:
    """Ledger rows (segment id, profile id, entered, cause, event id, version), all at `at`."""
    table = MembershipChange._meta.db_table
    columns = list(zip(*rows, strict=True)) if rows else [[]] * 6
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (segment_id, profile_id, entered, at, cause, event_id, version) "  # noqa: S608
            "SELECT s, p, e, %s, c, ev, v "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::boolean[], %s::text[], %s::bigint[], %s::int[]) "
            "AS t(s, p, e, c, ev, v)",
            [at, *[list(column) for column in columns]],
        )
