#!/usr/bin/env python
"""Segment engine benchmarks on the `make bench-data` database (1M profiles, 10M events, 50 live
segments; bench/segments_data.py). Everything on this machine.

1. Event → membership change → websocket message latency, p50/p99, at a steady 1,000 events/s
   through the tracking API with the 50 segments live (uvicorn + a Celery worker running beat, as
   a deployment does: the time sweep every SEGMENT_TIME_SWEEP_SECONDS; a websocket client signed in
   on /ws/feed/); then again at a rate this machine sustains (--rates). Every run starts caught
   up: time swept to now, the written tables vacuumed, a checkpoint done (caught_up).
2. Full evaluation (the SQL target's query) of representative segments versus a hand-written SQL
   query answering the same question (bench/segment_rules.py REPRESENTATIVE), same database.
3. Preview count + sample (POST /api/v1/segments/preview/'s selector) p95 over the 50 rules.
4. Ingestion throughput with the 50 segments live versus none (all archived), end to end.

    .venv/bin/python bench/segment_engine.py [--only sql,preview,sweep,latency,throughput]
        [--seconds 30] [--rates 1000,250] [--repeat 1]   (BENCH_WORKERS=2: Celery worker processes)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime

import ingest
import orjson
from segments_data import DATABASE_URL, DB_NAME, REDIS_URL, RESULTS, ROOT, configure_django

# Celery worker processes for the latency and throughput runs (BENCH_WORKERS; the Procfile's
# WORKER_CONCURRENCY default is 2).
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def median_seconds(run, repeat: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# --- 2. full evaluation versus hand-written SQL -----------------------------------------------


def full_evaluation_versus_sql() -> list[dict]:
    from django.db import connection
    from django.utils import timezone
    from segment_rules import REPRESENTATIVE, SEGMENTS

    from segments.engine import consent_q, membership_q
    from segments.rules import parse
    from segments.rules.to_sql import matching_profiles

    now = timezone.now()
    rows = []
    for spec in SEGMENTS:
        if spec["key"] not in REPRESENTATIVE:
            continue
        rule = parse(spec["rule"])
        query = matching_profiles(rule, now=now, segment_sql=membership_q, consent_sql=consent_q).values_list(
            "pk", flat=True
        )

        def generated(query=query):
            return set(query.all())

        def hand_written(statement=REPRESENTATIVE[spec["key"]]):
            with connection.cursor() as cursor:
                cursor.execute(statement.replace("%(now)s", "%s"), [now] * statement.count("%(now)s"))
                return {row[0] for row in cursor.fetchall()}

        ours, selected = median_seconds(generated)
        theirs, expected = median_seconds(hand_written)
        row = {
            "segment": spec["name"],
            "kind": spec["kind"],
            "profiles": len(selected),
            "same_profiles": selected == expected,
            "generated_s": round(ours, 3),
            "hand_written_s": round(theirs, 3),
            "ratio": round(ours / theirs, 2) if theirs else None,
        }
        rows.append(row)
        print("  sql:", json.dumps(row), flush=True)
    return rows


# --- 3. preview ------------------------------------------------------------------------------


def preview_percentiles() -> dict:
    from segments.models import Segment
    from segments.selectors import rule_preview

    times, named = [], []
    for segment in Segment.objects.order_by("pk"):
        started = time.perf_counter()
        rule_preview(segment.rule)
        times.append(time.perf_counter() - started)
        named.append((round(times[-1], 2), segment.name))
    result = {
        "rules": len(times),
        "p50_s": round(percentile(times, 0.5), 3),
        "p95_s": round(percentile(times, 0.95), 3),
        "max_s": round(max(times), 3),
        "slowest": sorted(named, reverse=True)[:6],
    }
    print("  preview:", json.dumps(result), flush=True)
    return result


# --- time sweep ------------------------------------------------------------------------------


def time_sweep_cost(band_seconds: int = 10, repeat: int = 3) -> dict:
    """One sweep of every time-relative segment over the last `band_seconds` (what beat runs every
    SEGMENT_TIME_SWEEP_SECONDS)."""
    from datetime import timedelta

    from django.utils import timezone

    from segments.engine import time_sweep
    from segments.models import Segment

    times, changes = [], []
    for _ in range(repeat):
        now = timezone.now()
        Segment.objects.filter(status=Segment.Status.ACTIVE).update(time_swept_at=now - timedelta(seconds=band_seconds))
        started = time.perf_counter()
        changes.append(time_sweep(now=now))
        times.append(time.perf_counter() - started)
    result = {"band_s": band_seconds, "median_s": round(statistics.median(times), 3), "changes": changes}
    print("  time sweep:", json.dumps(result), flush=True)
    return result


# --- 1. latency ------------------------------------------------------------------------------


def session_cookie() -> str:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.constants import ROLES

    user, _ = get_user_model().objects.get_or_create(username="bench-watcher")
    user.groups.add(Group.objects.get(name=ROLES["analyst"].name))
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


class FeedListener(threading.Thread):
    """A websocket client on /ws/feed/ recording (arrival time, message)."""

    def __init__(self, cookie: str):
        super().__init__(daemon=True)
        self.cookie, self.messages, self.ready, self.stopping = cookie, [], threading.Event(), False

    def run(self) -> None:
        from websockets.sync.client import connect

        url = f"ws://127.0.0.1:{ingest.PORT}/ws/feed/"
        headers = {"Cookie": self.cookie, "Origin": f"http://127.0.0.1:{ingest.PORT}"}
        with connect(url, additional_headers=headers, open_timeout=10) as ws:
            self.ready.set()
            while not self.stopping:
                try:
                    raw = ws.recv(timeout=0.5)
                except TimeoutError:
                    continue
                self.messages.append((time.time(), orjson.loads(raw)))


def steady_customers(write_key: str, *, events_per_s: int, seconds: int, profiles: int, batch: int = 100) -> dict:
    """Existing customers act at an even pace: returns {messageId: send time}."""
    import base64
    import http.client
    import random

    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", ingest.PORT, timeout=10)
    names = ["Order Completed", "Product Added", "Product Viewed", "Signed In", "Checkout Started"]
    sent_at: dict[str, float] = {}
    run_id = uuid.uuid4().hex[:8]
    start = time.monotonic()
    for n in range(int(seconds * events_per_s / batch)):
        delay = start + n * batch / events_per_s - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        events = []
        for i in range(batch):
            name = random.choice(names)
            properties = {"revenue": round(random.uniform(5, 200), 2), "category": random.choice(["books", "tech"])}
            events.append(
                {
                    "type": "track",
                    "userId": f"user-{random.randint(1, profiles)}",
                    "event": name,
                    "properties": properties,
                    "messageId": f"{run_id}-{n}-{i}",
                }
            )
        moment = time.time()
        conn.request(
            "POST",
            "/v1/batch",
            orjson.dumps({"batch": events}),
            {"Authorization": auth, "Content-Type": "application/json"},
        )
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            sent_at.update({event["messageId"]: moment for event in events})
    return sent_at


# The tables the pipeline and the engine write: each run leaves ~1 dead row per event in events
# and per touched profile in profiles.
WRITTEN_TABLES = (
    "ingestion_event",
    "profiles_profile",
    "profiles_profileeventday",
    "segments_membership",
    "segments_membershipchange",
    "segments_pendingevaluation",
)


def caught_up() -> None:
    """Before a measured run, the database as a running deployment keeps it: time-relative
    segments swept up to now (beat's job; otherwise the run's first sweep catches up on everything
    since the last one), and the written tables vacuumed (autovacuum's job: the CI machine's
    PostgreSQL runs with autovacuum off, and earlier runs' dead rows slowed later ones 2-3x)."""
    from django.db import connection

    from segments.engine import time_sweep

    time_sweep()
    with connection.cursor() as cursor:
        for table in WRITTEN_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        # And no checkpoint still writing out earlier writes (with checkpoint_timeout = 15min, one
        # after make bench-data slowed the previews by a quarter).
        cursor.execute("CHECKPOINT")


def latency(write_key: str, profiles: int, seconds: int, rate: int = 1000) -> dict:
    from django.db import connection

    caught_up()
    listener = FeedListener(session_cookie())
    stack = ingest.Stack(web_workers=1, worker_concurrency=WORKERS, beat=True)
    try:
        listener.start()
        if not listener.ready.wait(15):
            raise SystemExit("the websocket client could not connect")
        started = time.time()
        sent_at = steady_customers(write_key, events_per_s=rate, seconds=seconds, profiles=profiles)
        ingest.wait_processed()
        time.sleep(3)
    finally:
        listener.stopping = True
        listener.join(5)
        stack.stop()
    event_ids = sorted({m["event_id"] for _, m in listener.messages if m.get("event_id")})
    message_of: dict[int, str] = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, message_id FROM ingestion_event WHERE id = ANY(%s)", [event_ids])
        message_of = dict(cursor.fetchall())
    delays = [
        arrived - sent_at[message_of[m["event_id"]]]
        for arrived, m in listener.messages
        if m.get("event_id") in message_of and message_of[m["event_id"]] in sent_at and arrived >= started
    ]
    result = {
        "events_sent": len(sent_at),
        "websocket_messages": len(listener.messages),
        "measured": len(delays),
        "p50_ms": round(percentile(delays, 0.5) * 1000, 1) if delays else None,
        "p99_ms": round(percentile(delays, 0.99) * 1000, 1) if delays else None,
        "max_ms": round(max(delays) * 1000, 1) if delays else None,
    }
    print(f"  latency at {rate} events/s:", json.dumps(result), flush=True)
    return result


# --- 4. throughput with and without segments -------------------------------------------------


def throughput(write_key: str, profiles: int, seconds: int, repeat: int = 1) -> dict:
    """`repeat` pairs of runs (none, then the 50 segments), alternated: the machine's own
    variation between runs (±15 %, docs/benchmarks.md) is as large as the effect measured, so
    the ratio is also given as the ratio of the medians."""
    from segments.models import Segment

    os.environ["BENCH_USERS"] = str(profiles)
    active = list(Segment.objects.filter(status=Segment.Status.ACTIVE).values_list("pk", flat=True))
    runs = []
    try:
        for _ in range(repeat):
            pair = {}
            for label in ("no_segments", "50_segments"):
                # A bench-only switch: archiving through the service would also empty the memberships.
                Segment.objects.filter(pk__in=active).update(
                    status=Segment.Status.ARCHIVED if label == "no_segments" else Segment.Status.ACTIVE
                )
                caught_up()
                stack = ingest.Stack(web_workers=1, worker_concurrency=WORKERS, beat=True)
                try:
                    since = ingest.now_sql()
                    http_result = ingest.wrk(write_key, batch=100, connections=8, duration=seconds)
                    pair[label] = {"http": http_result, "end_to_end": end_to_end_evaluated(since)}
                finally:
                    stack.stop()
                print(f"  throughput {label}:", json.dumps(pair[label]), flush=True)
            pair["ratio"] = round(_rate(pair["50_segments"]) / _rate(pair["no_segments"]), 2)
            runs.append(pair)
    finally:
        Segment.objects.filter(pk__in=active).update(status=Segment.Status.ACTIVE)
    if repeat == 1:
        return runs[0]
    medians = {label: statistics.median(_rate(run[label]) for run in runs) for label in ("no_segments", "50_segments")}
    return {
        "runs": runs,
        "ratios": [run["ratio"] for run in runs],
        "median_events_per_s": medians,
        "ratio_of_medians": round(medians["50_segments"] / medians["no_segments"], 2),
    }


def _rate(result: dict) -> float:
    return result["end_to_end"]["events_per_s"]


def end_to_end_evaluated(since: str) -> dict:
    """Events per second from the first event received to the moment the last one is applied to
    its profile AND its segments evaluated: batches are evaluated right after their commit
    (segments.pending), so the last evaluation can end after the last `processed_at`. Polled
    every 0.1 s (so up to 0.1 s pessimistic)."""
    ingest.wait_processed()
    while ingest.psql("SELECT count(*) FROM segments_pendingevaluation", ingest.DB_NAME) != "0":
        time.sleep(0.1)
    evaluated = time.time()
    row = ingest.psql(
        "SELECT count(*), extract(epoch FROM min(received_at)), extract(epoch FROM max(processed_at)) "
        f"FROM ingestion_event WHERE received_at >= '{since}'",
        ingest.DB_NAME,
    )
    count, first, processed = row.split("|")
    seconds = max(evaluated, float(processed)) - float(first)
    return {
        "events": int(count),
        "seconds": round(seconds, 2),
        "events_per_s": round(int(count) / seconds),
        "applied_s": round(float(processed) - float(first), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="sql,preview,sweep,latency,throughput")
    parser.add_argument("--seconds", type=int, default=30, help="seconds of load for latency and throughput")
    parser.add_argument(
        "--rates", default="1000,250", help="events/s for the latency runs (the target's, and one within capacity)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="throughput: alternated pairs of runs (medians)")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    # The stack started by bench/ingest.py's helpers runs on this database.
    ingest.DB_NAME = DB_NAME
    ingest.ENV.update({"DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL})
    configure_django()
    from django.db import connection

    from ingestion.models import Source
    from profiles.models import Profile

    write_key = Source.objects.get(name="Bench").write_key
    ingest.run("redis-cli", "-n", REDIS_URL.rsplit("/", 1)[1], "flushdb")  # no stale tasks from bench-data
    profiles = Profile.objects.count()
    results: dict = {
        "when": datetime.now(UTC).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "postgres": connection.cursor().connection.info.server_version,
            **ingest.postgres_settings(),
            "commit": ingest.run("git", "rev-parse", "--short", "HEAD").strip(),
        },
        "profiles": profiles,
    }
    if parts & {"sql", "preview"}:
        caught_up()
    if "sql" in parts:
        results["full_evaluation_vs_sql"] = full_evaluation_versus_sql()
    if "preview" in parts:
        results["preview"] = preview_percentiles()
    if "sweep" in parts:
        results["time_sweep"] = time_sweep_cost()
    if "latency" in parts:
        ingest.ensure_wrk()
        for rate in (int(r) for r in args.rates.split(",")):
            results[f"latency_at_{rate}_per_s"] = latency(write_key, profiles, args.seconds, rate)
    if "throughput" in parts:
        ingest.ensure_wrk()
        results["throughput"] = throughput(write_key, profiles, args.seconds, args.repeat)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"segments-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
