#!/usr/bin/env python
"""`make bench-data`: a large database for the segment benchmarks (bench/segment_engine.py).

1,000,000 profiles (traits, identities `user-N`, metrics consistent with their events) and
10,000,000 events over the last 180 days, stored in arrival order as an append-only log is (a
windowed scan reads recent pages, not the whole table), generated inside PostgreSQL (INSERT … SELECT over
generate_series: no row crosses the wire; secondary indexes dropped during the load and rebuilt
after), then the 50 segments of bench/segment_rules.py created and fully evaluated by the engine,
each evaluation timed. Database: `shoal_bench_segments` (dropped and re-created).

    .venv/bin/python bench/segments_data.py [--profiles 1000000] [--events 10000000]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DB_NAME = os.environ.get("BENCH_SEGMENTS_DB", "shoal_bench_segments")
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
REDIS_URL = "redis://127.0.0.1:6379/10"
RESULTS = ROOT / "bench" / "results"
INDEXES_FILE = RESULTS / "segments-indexes.json"

# Event names and their share of the 10M events (type page has no name).
EVENT_MIX = [
    ("track", "Product Viewed", 35),
    ("page", "", 25),
    ("track", "Product Added", 12),
    ("track", "Order Completed", 8),
    ("track", "Checkout Started", 8),
    ("track", "Signed In", 7),
    ("track", "Newsletter Subscribed", 3),
    ("track", "Support Ticket Opened", 2),
]


def configure_django() -> None:
    os.environ.update(
        {
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "DJANGO_SETTINGS_MODULE": "cdp.settings",
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
            "INGESTION_DOORBELL": "off",
        }
    )
    import django

    django.setup()


def sql(statement: str, params=None) -> None:
    from django.db import connection

    if params is not None:  # the modulo operator `a % b` next to %s placeholders
        statement = statement.replace("% ", "%% ")
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def timed(label: str, statement: str, params=None) -> float:
    started = time.monotonic()
    sql(statement, params)
    seconds = time.monotonic() - started
    print(f"  {label}: {seconds:.1f} s", flush=True)
    return seconds


def event_case() -> tuple[str, str]:
    """SQL CASE expressions picking (type, name) from a uniform r in [0, 100)."""
    types, names, edge = [], [], 0
    for event_type, name, share in EVENT_MIX:
        edge += share
        types.append(f"WHEN r < {edge} THEN '{event_type}'")
        names.append(f"WHEN r < {edge} THEN '{name}'")
    return "CASE " + " ".join(types) + " END", "CASE " + " ".join(names) + " END"


def load(profiles: int, events: int) -> dict:
    from django.db import connection

    timings: dict[str, float] = {}
    sql("SET synchronous_commit = off")
    sql("SET maintenance_work_mem = '1GB'")
    sql(
        "INSERT INTO ingestion_source (name, kind, write_key, enabled, allowed_origins, created_at) "
        "VALUES ('Bench', 'server', 'bench-segments-key', true, '[]', now())"
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM ingestion_source WHERE write_key = 'bench-segments-key'")
        source_id = cursor.fetchone()[0]
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN "
            "('ingestion_event', 'profiles_profile', 'profiles_identity') AND indexname NOT LIKE '%%pkey' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid), conrelid::regclass::text FROM pg_constraint "
            "WHERE conrelid::regclass::text IN ('ingestion_event', 'profiles_identity') AND contype = 'u'"
        )
        uniques = cursor.fetchall()
    INDEXES_FILE.parent.mkdir(exist_ok=True)
    INDEXES_FILE.write_text(json.dumps({"indexes": indexes, "uniques": uniques}))  # for --resume
    for name, _definition, table in uniques:
        sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _definition in indexes:
        sql(f'DROP INDEX IF EXISTS "{name}"')

    timings["profiles"] = timed(
        f"{profiles:,} profiles",
        """
        INSERT INTO profiles_profile (id, created_at, updated_at, traits, trait_timestamps, events_count, sessions_count,
                                      page_views_count, orders_count, revenue_total, rfm_class)
        SELECT g, now(), now(),
               jsonb_build_object(
                 'email', 'user' || g || '@example.com',
                 'plan', (ARRAY['free','free','free','pro','pro','enterprise'])[1 + g % 6],
                 'country', (ARRAY['FR','DE','US','GB','ES','IT','NL','SE','PL','BR'])[1 + (g * 7) % 10],
                 'age', 18 + (g * 13) % 60,
                 'newsletter', g % 4 = 0,
                 'signed_up_at', to_char(now() - (((g * 37) % 720) || ' days')::interval, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
               ),
               '{}'::jsonb, 0, 0, 0, 0, 0, ''
        FROM generate_series(1, %s) AS g
        """,
        [profiles],
    )
    sql("SELECT setval(pg_get_serial_sequence('profiles_profile', 'id'), %s)", [profiles])
    timings["identities"] = timed(
        "identities",
        "INSERT INTO profiles_identity (kind, value, first_seen, profile_id) "
        "SELECT 'user_id', 'user-' || g, now(), g FROM generate_series(1, %s) AS g",
        [profiles],
    )
    type_case, name_case = event_case()
    chunk = 1_000_000
    started = time.monotonic()
    for offset in range(0, events, chunk):
        size = min(chunk, events - offset)
        sql(
            f"""
            INSERT INTO ingestion_event (message_id, type, name, properties, traits, context, timestamp,
                                         received_at, processed_at, profile_id, source_id, user_id)
            SELECT 'bench-' || g, {type_case}, {name_case},
                   CASE WHEN r >= 72 AND r < 80 THEN  -- Order Completed (EVENT_MIX)
                          jsonb_build_object('revenue', round((5 + random() * 195)::numeric, 2),
                                             'category', (ARRAY['books','music','garden','toys','tech'])[1 + g % 5])
                        ELSE jsonb_build_object('sku', 'sku-' || (g % 500),
                                                'category', (ARRAY['books','music','garden','toys','tech'])[1 + g % 5])
                   END,
                   '{{}}'::jsonb, '{{}}'::jsonb, ts, ts, ts, p, %s, 'user-' || p
            FROM (
              SELECT g, (random() * 100)::int % 100 AS r,
                     -- in arrival order, as an append-only log is stored: 180 days up to now,
                     -- each event up to 10 minutes late (client clocks, offline batches)
                     now() - interval '180 days' * (1 - g::float8 / %s) - random() * interval '10 minutes' AS ts,
                     1 + floor(power(random(), 1.6) * %s)::bigint AS p
              FROM generate_series(%s, %s) AS g
            ) AS x
            """,
            [source_id, events, profiles, offset + 1, offset + size],
        )
        print(f"  events: {offset + size:,}", flush=True)
    timings["events"] = round(time.monotonic() - started, 1)

    timings.update(finish())
    return timings


def _constraint_exists(name: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_constraint WHERE conname = %s", [name])
        return cursor.fetchone() is not None


def _metrics() -> float:
    return timed(
        "profile metrics from events",
        """
        WITH agg AS (
          SELECT profile_id, min(timestamp) AS fs, max(timestamp) AS ls, count(*) AS n,
                 count(*) FILTER (WHERE type = 'page') AS pv,
                 count(*) FILTER (WHERE name = 'Order Completed') AS oc,
                 coalesce(sum((properties->>'revenue')::numeric) FILTER (WHERE name = 'Order Completed'), 0) AS rev,
                 min(timestamp) FILTER (WHERE name = 'Order Completed') AS fo,
                 max(timestamp) FILTER (WHERE name = 'Order Completed') AS lo
          FROM ingestion_event GROUP BY profile_id
        )
        UPDATE profiles_profile p
        SET first_seen = agg.fs, last_seen = agg.ls, events_count = agg.n, page_views_count = agg.pv,
            sessions_count = greatest(1, agg.n / 4), orders_count = agg.oc, revenue_total = agg.rev,
            first_order_at = agg.fo, last_order_at = agg.lo
        FROM agg WHERE agg.profile_id = p.id
        """,
    )


def finish(*, metrics: bool = True) -> dict:
    """Metrics, constraints and indexes back, statistics, RFM scores (--resume: all but metrics)."""
    saved = json.loads(INDEXES_FILE.read_text())
    timings = {}
    if metrics:
        timings["metrics"] = _metrics()

    started = time.monotonic()
    for name, definition, table in saved["uniques"]:
        if not _constraint_exists(name):
            sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    for _name, definition in saved["indexes"]:
        sql(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
    timings["indexes"] = round(time.monotonic() - started, 1)
    print(f"  indexes rebuilt: {timings['indexes']} s", flush=True)
    sql("VACUUM ANALYZE ingestion_event")
    sql("VACUUM ANALYZE profiles_profile")
    sql("VACUUM ANALYZE profiles_identity")

    from profiles.metrics import rfm_rerank

    started = time.monotonic()
    rfm_rerank()
    timings["rfm"] = round(time.monotonic() - started, 1)
    return timings


def create_segments() -> list[dict]:
    from segment_rules import SEGMENTS

    from segments.engine import evaluate_segment
    from segments.models import Segment
    from segments.services import segment_create

    results = []
    ids: dict[str, int] = {}
    for spec in SEGMENTS:
        rule = _resolve(spec["rule"], ids)
        segment = segment_create(name=spec["name"], rule=rule)
        started = time.monotonic()
        evaluate_segment(segment.pk)
        seconds = time.monotonic() - started
        segment = Segment.objects.get(pk=segment.pk)
        ids[spec["key"]] = segment.pk
        results.append(
            {"name": spec["name"], "kind": spec["kind"], "members": segment.member_count, "seconds": round(seconds, 2)}
        )
        print(f"  {spec['name']}: {segment.member_count:,} members, full evaluation {seconds:.2f} s", flush=True)
    return results


def _resolve(rule, ids: dict[str, int]):
    """Segment references are written as {"segment": "@key"} in segment_rules.py."""
    if isinstance(rule, dict):
        return {k: (ids[v[1:]] if k == "segment" and isinstance(v, str) else _resolve(v, ids)) for k, v in rule.items()}
    if isinstance(rule, list):
        return [_resolve(item, ids) for item in rule]
    return rule


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profiles", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--resume", action="store_true", help="after a failed run: indexes, RFM and segments only")
    args = parser.parse_args()
    import subprocess

    subprocess.run([str(ROOT / "scripts" / "ensure-services.sh")], check=True)
    started = time.monotonic()
    if args.resume:
        configure_django()
        sql(
            "TRUNCATE segments_membershipchange, segments_membership, segments_segmentversion, segments_segment CASCADE"
        )
        timings = finish(metrics=False)
    else:
        for statement in (f"DROP DATABASE IF EXISTS {DB_NAME}", f"CREATE DATABASE {DB_NAME}"):
            subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], check=True)
        configure_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"loading {args.profiles:,} profiles and {args.events:,} events into {DB_NAME}", flush=True)
        timings = load(args.profiles, args.events)
    print("creating and evaluating the 50 segments", flush=True)
    segments = create_segments()
    result = {
        "when": datetime.now(UTC).isoformat(),
        "profiles": args.profiles,
        "events": args.events,
        "load_seconds": timings,
        "total_seconds": round(time.monotonic() - started, 1),
        "segments": segments,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"segments-data-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"done in {result['total_seconds']} s; written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
