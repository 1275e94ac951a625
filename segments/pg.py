"""PostgreSQL-only speed-ups (the callers keep the portable path): writing membership changes with
one constant-size statement per table, whatever the number of changes, instead of Django's
per-row INSERT parameters and its fetch-then-delete (engine.write_diffs); a preview's count and
sample in one scan (selectors.rule_preview)."""

from __future__ import annotations

from datetime import datetime

import orjson
from django.db import connection
from django.db.models import QuerySet

from segments.models import Membership, MembershipChange, Segment


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


def member_counts_add(deltas: dict[int, int]) -> None:
    """Add `deltas` (segment id → change) to the segments' member counts: the rows are locked in
    id order first (concurrent batches never deadlock), then updated in one statement."""
    ids = sorted(segment_id for segment_id, delta in deltas.items() if delta)
    if not ids:
        return
    table = Segment._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {table} WHERE id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE",  # noqa: S608
            [ids],
        )
        cursor.execute(
            f"UPDATE {table} s SET member_count = s.member_count + d.delta "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::int[]) AS d(id, delta) WHERE s.id = d.id",
            [ids, [deltas[i] for i in ids]],
        )


def estimated_rows(queryset: QuerySet) -> float:
    """The planner's estimate of how many rows `queryset` returns (EXPLAIN, nothing is run)."""
    plan = orjson.loads(queryset.explain(format="json"))
    return float(plan[0]["Plan"]["Plan Rows"])


def count_and_sample(profiles: QuerySet, size: int) -> tuple[int, list[int]]:
    """How many profiles `profiles` selects and the ids of the `size` most recently seen (the
    order of `order_by("-last_seen", "-id")`), from one evaluation of the rule instead of two.
    Meant for rules the planner expects to select few profiles: every match is sorted."""
    statement, params = profiles.values("pk", "last_seen").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), (array_agg(m.pk ORDER BY m.last_seen DESC, m.pk DESC))[1:%s] "  # noqa: S608
            f"FROM ({statement}) AS m",
            [size, *params],
        )
        total, ids = cursor.fetchone()
    return total, ids or []
