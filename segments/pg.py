"""PostgreSQL-only speed-ups (the callers keep the portable path): writing membership changes with
one constant-size statement per table, whatever the number of changes, instead of Django's
per-row INSERT parameters and its fetch-then-delete, and with COPY when there are many (a full
evaluation; engine.write_diffs); a preview's count and sample in one scan (selectors.rule_preview);
indexes on the moment of the traits that rules compare as date-times (index_trait_dates); the engine's
reads of many rows with date-times, parsed in C (fetch_all)."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

import orjson
import psycopg
from django.db import connection
from django.db.models import QuerySet

from profiles.models import Profile
from segments.models import Membership, MembershipChange, Segment
from segments.rules.values import JsonRef, moment_function_ddl, moment_sql, sql

TIMESTAMPTZ_OID = 1184

log = logging.getLogger(__name__)

# From this many rows on, COPY instead of one INSERT … FROM unnest(arrays): sending and unpacking
# hundreds of thousands of array elements cost as much as the insert itself (766,000 ledger rows:
# 6.5 s with unnest, 3.3 s with COPY; docs/benchmarks.md).
COPY_ROWS = 5000


def _copy(table: str, columns: tuple[str, ...], types: list[str], rows) -> None:
    """COPY `rows` (tuples in `columns` order, of PostgreSQL `types`) into `table`, binary."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT BINARY)"
    # psycopg's own cursor (Django's has no copy()); its errors wrapped as Django's, as execute()'s are.
    with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def memberships_insert(pairs: list[tuple[int, int]], since: datetime) -> None:
    """(segment id, profile id) pairs that are not members become members since `since`. The
    engine decides them against the current membership under the segment and profile locks, so
    a pair that is already a member is a bug, and fails (IntegrityError) rather than being
    skipped: the member counts would be wrong."""
    table = Membership._meta.db_table
    pairs = sorted(pairs)  # index order: fewer pages touched
    if len(pairs) >= COPY_ROWS:
        _copy(
            table,
            ("segment_id", "profile_id", "since"),
            ["bigint", "bigint", "timestamptz"],
            ((s, p, since) for s, p in pairs),
        )
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (segment_id, profile_id, since) "  # noqa: S608 - identifiers from model meta
            "SELECT s, p, %s FROM unnest(%s::bigint[], %s::bigint[]) AS t(s, p)",
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
    if len(rows) >= COPY_ROWS:
        _copy(
            table,
            ("segment_id", "profile_id", "entered", "at", "cause", "event_id", "version"),
            ["bigint", "bigint", "boolean", "timestamptz", "text", "bigint", "integer"],
            ((s, p, e, at, c, ev, v) for s, p, e, c, ev, v in rows),
        )
        return
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


def fetch_all(statement: str, params) -> list[tuple]:
    """The rows of a read, straight from the driver, its date-times parsed by psycopg's own C
    loader. Django registers a pure-Python subclass of psycopg's loader for aware date-times
    (~9 µs a value against ~2.5 µs), which was ~6 % of a busy worker's segment evaluation
    (docs/benchmarks.md). The values are the same aware UTC datetimes (Django's connections run
    in UTC); the loader is registered on this cursor only."""
    with connection.cursor() as cursor:
        loader = psycopg.adapters.get_loader(TIMESTAMPTZ_OID, psycopg.pq.Format.TEXT)
        cursor.cursor.adapters.register_loader("timestamptz", loader)
        cursor.execute(statement, params)
        return cursor.fetchall()


def estimated_rows(queryset: QuerySet) -> float:
    """The planner's estimate of how many rows `queryset` returns (EXPLAIN, nothing is run)."""
    plan = orjson.loads(queryset.explain(format="json"))
    return float(plan[0]["Plan"]["Plan Rows"])


def count_and_sample(profiles: QuerySet, size: int) -> tuple[int, list[int]]:
    """How many profiles `profiles` selects and the ids of the `size` most recently seen (the
    order of `order_by("-last_seen", "-id")`), from one evaluation of the rule instead of two.
    Meant for rules the planner expects to select few profiles: the matches are kept (a
    materialised CTE, still evaluated in parallel), counted, and their top `size` picked with a
    bounded heap; sorting every match instead cost 0.4 s more when the estimate was wrong and a
    million matched."""
    statement, params = profiles.values("pk", "last_seen").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH m AS MATERIALIZED ({statement}) "  # noqa: S608
            "SELECT (SELECT count(*) FROM m), "
            "ARRAY(SELECT m.pk FROM m ORDER BY m.last_seen DESC, m.pk DESC LIMIT %s)",
            [*params, size],
        )
        total, ids = cursor.fetchone()
    return total, ids or []


def install_moment_function() -> None:
    """Create (or replace) values.MOMENT_FUNCTION, the date-time parse of the SQL target."""
    with connection.cursor() as cursor:
        cursor.execute(moment_function_ddl())


def trait_date_index_name(path: tuple[str, ...]) -> str:
    digest = hashlib.sha1("\x1f".join(path).encode(), usedforsecurity=False).hexdigest()[:12]
    return f"profile_trait_moment_{digest}"


def index_trait_dates(paths: set[tuple[str, ...]], *, concurrently: bool) -> list[str]:
    """Make sure each trait path has a btree index on its value's moment (values.moment_sql, the
    expression every date-time comparison on a trait reads): previews, full evaluations and the
    time sweep's band queries then read index entries instead of parsing every profile's traits
    ("signed up over a year ago": its preview 1.3 s -> 0.4 s on 1M profiles; "signed up in 30
    days" 0.24 s -> 0.05 s), and the planner knows how many profiles a window holds.

    `concurrently`: built without blocking writes (CREATE INDEX CONCURRENTLY, which cannot run in
    a transaction block: see engine.evaluate_segment); else a plain CREATE INDEX. An index that a
    failed concurrent build left invalid is rebuilt. The indexes stay when no rule uses the trait
    any more (one small index per trait key). Returns the names of the indexes created; after
    creating any, the table is analysed (the planner's figures for the new expressions)."""
    created = []
    table = Profile._meta.db_table
    for path in sorted(paths):
        name = trait_date_index_name(path)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace",
                [name],
            )
            row = cursor.fetchone()
        if row is not None and row[0]:
            continue
        expression = moment_sql(JsonRef(connection.vendor, sql('"traits"'), path))
        how = " CONCURRENTLY" if concurrently else ""
        statement = f"CREATE INDEX{how} {name} ON {table} (({expression.text}))"
        with connection.cursor() as cursor:
            if row is not None:  # left invalid by a failed concurrent build
                cursor.execute(f"DROP INDEX{how} {name}")
            cursor.execute(connection.ops.compose_sql(statement, expression.params))
        log.info("indexed the moment of trait %s (%s)", ".".join(path), name)
        created.append(name)
    if created:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    return created
