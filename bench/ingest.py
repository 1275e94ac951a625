#!/usr/bin/env python
"""Ingestion benchmarks on the full stack, everything on this machine.

1. Sustained end-to-end throughput: HTTP batches of 100 → stored → profiles and metrics updated.
2. Single-event requests per second (/v1/track), with latency percentiles.
3. Processing lag (processed_at - received_at) p50/p99 at a steady 1,000 events/s.

Starts its own uvicorn and Celery worker processes against a fresh `shoal_bench` database and
drives load with wrk (installed from Debian when missing). Results are printed and written to
bench/results/ingest-<timestamp>.json; docs/benchmarks.md records them with the machine.

    .venv/bin/python bench/ingest.py [--duration 20] [--web-workers 1] [--worker-concurrency 2]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DB_NAME = "shoal_bench"
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "REDIS_URL": "redis://127.0.0.1:6379/9",
    "DEBUG": "0",
    "LOG_LEVEL": "WARNING",
    "PYTHONPATH": str(ROOT),
    "DJANGO_SETTINGS_MODULE": "cdp.settings",
}
PORT = 8199


def run(*args, **kwargs) -> str:
    return subprocess.run(args, cwd=ROOT, env=ENV, check=True, capture_output=True, text=True, **kwargs).stdout


def psql(sql: str, db: str = "postgres") -> str:
    return run("psql", "-h", "127.0.0.1", "-U", "postgres", "-tAqc", sql, db).strip()


# The server settings the results depend on (scripts/bench-postgres.sh sets the reference values).
POSTGRES_SETTINGS = ("shared_buffers", "work_mem", "max_wal_size", "checkpoint_timeout", "wal_compression")


def postgres_settings() -> dict[str, str]:
    """The PostgreSQL settings a result was measured with (recorded with every result)."""
    return {name: psql(f"SHOW {name}") for name in POSTGRES_SETTINGS}


def ensure_wrk() -> str:
    if shutil.which("wrk"):
        return "wrk"
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
        return "wrk"
    sys.exit("wrk is needed: apt-get install wrk")


def fresh_database() -> str:
    run("scripts/ensure-services.sh")
    psql(f"DROP DATABASE IF EXISTS {DB_NAME}")
    psql(f"CREATE DATABASE {DB_NAME}")
    run("redis-cli", "-n", "9", "flushdb")
    run(PYTHON, "manage.py", "migrate", "-v", "0")
    return run(PYTHON, "manage.py", "create_source", "--name", "bench", "--kind", "server", "--quiet").strip()


class Stack:
    """uvicorn + Celery worker processes, stopped on exit."""

    def __init__(self, web_workers: int, worker_concurrency: int, doorbell: str = "celery", beat: bool = False):
        """`beat`: the worker also runs Celery beat (`-B`), so its periodic tasks (the segment time
        sweep every SEGMENT_TIME_SWEEP_SECONDS, the unprocessed-event sweeper…) load the machine as
        they do in a deployment."""
        env = {**ENV, "INGESTION_DOORBELL": doorbell}
        self.processes = [
            subprocess.Popen(
                [
                    PYTHON,
                    "-m",
                    "uvicorn",
                    "cdp.asgi:application",
                    "--port",
                    str(PORT),
                    "--workers",
                    str(web_workers),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
            )
        ]
        if worker_concurrency:
            self.processes.append(
                subprocess.Popen(
                    [
                        PYTHON,
                        "-m",
                        "celery",
                        "-A",
                        "cdp",
                        "worker",
                        "--concurrency",
                        str(worker_concurrency),
                        "--loglevel",
                        "WARNING",
                        "-n",
                        f"bench-{uuid.uuid4().hex[:6]}@localhost",
                        *(
                            ["-B", "-s", str(ROOT / "bench" / "results" / f"celerybeat-{uuid.uuid4().hex[:6]}")]
                            if beat
                            else []
                        ),
                    ],
                    cwd=ROOT,
                    env=env,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        time.sleep(2 if worker_concurrency else 0)  # let the worker connect

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wrk(write_key: str, *, batch: int, connections: int, duration: int, threads: int = 2) -> dict:
    env = {
        **os.environ,
        "BENCH_AUTH": base64.b64encode(f"{write_key}:".encode()).decode(),
        "BENCH_BATCH": str(batch),
        "BENCH_RUN": uuid.uuid4().hex[:8],
    }
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(connections),
            "-d",
            f"{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(ROOT / "bench" / "wrk" / "batch.lua"),
            f"http://127.0.0.1:{PORT}",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    fields = dict(re.findall(r"(\w+)=(\d+)", out.split("BENCH_RESULT", 1)[1]))
    requests = int(fields["requests"])
    seconds = int(fields["duration_us"]) / 1e6
    return {
        "requests": requests,
        "events": requests * batch,
        "seconds": round(seconds, 2),
        "requests_per_s": round(requests / seconds),
        "events_per_s": round(requests * batch / seconds),
        "latency_p50_ms": round(int(fields["p50_us"]) / 1000, 2),
        "latency_p99_ms": round(int(fields["p99_us"]) / 1000, 2),
        "non_2xx": int(fields["errors_status"]),
        "connect_errors": int(fields["errors_connect"]),
    }


def wait_processed(timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if psql("SELECT count(*) FROM ingestion_event WHERE processed_at IS NULL", DB_NAME) == "0":
            return time.monotonic()
        time.sleep(0.25)
    raise SystemExit("events were not all processed in time")


def end_to_end_rate(since: str) -> dict:
    row = psql(
        "SELECT count(*), extract(epoch FROM max(processed_at) - min(received_at)) "
        f"FROM ingestion_event WHERE received_at >= '{since}'",
        DB_NAME,
    )
    count, seconds = row.split("|")
    return {
        "events": int(count),
        "seconds": round(float(seconds), 2),
        "events_per_s": round(int(count) / float(seconds)),
    }


def lag_percentiles(since: str) -> dict:
    row = psql(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)), "
        "percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM processed_at - received_at)), count(*) "
        f"FROM ingestion_event WHERE received_at >= '{since}'",
        DB_NAME,
    )
    p50, p99, count = row.split("|")
    return {"events": int(count), "lag_p50_ms": round(float(p50) * 1000, 1), "lag_p99_ms": round(float(p99) * 1000, 1)}


def steady_load(write_key: str, *, events_per_s: int, seconds: int, batch: int = 100) -> dict:
    """Send `events_per_s` in batches at an even pace (one keep-alive connection)."""
    auth = "Basic " + base64.b64encode(f"{write_key}:".encode()).decode()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    interval = batch / events_per_s
    sent = 0
    start = time.monotonic()
    run_id = uuid.uuid4().hex[:8]
    for n in range(int(seconds * events_per_s / batch)):
        target = start + n * interval
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        body = {
            "batch": [
                {
                    "type": "track",
                    "userId": f"user-{(n * batch + i) % 50000}",
                    "event": "Product Viewed",
                    "properties": {"sku": i},
                    "messageId": f"{run_id}-{n}-{i}",
                }
                for i in range(batch)
            ]
        }
        conn.request(
            "POST", "/v1/batch", orjson.dumps(body), {"Authorization": auth, "Content-Type": "application/json"}
        )
        response = conn.getresponse()
        response.read()
        if response.status == 200:
            sent += batch
    elapsed = time.monotonic() - start
    return {"events": sent, "seconds": round(elapsed, 2), "events_per_s": round(sent / elapsed)}


def now_sql() -> str:
    return datetime.now(UTC).isoformat()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=20, help="seconds per throughput run")
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--lag-seconds", type=int, default=30)
    args = parser.parse_args()
    ensure_wrk()
    write_key = fresh_database()
    results: dict = {
        "when": now_sql(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "postgres": psql("SHOW server_version"),
            **postgres_settings(),
            "commit": run("git", "rev-parse", "--short", "HEAD").strip(),
        },
        "settings": vars(args),
    }

    # 1. Sustained batch throughput, end to end.
    stack = Stack(args.web_workers, args.worker_concurrency)
    try:
        since = now_sql()
        http_result = wrk(write_key, batch=100, connections=8, duration=args.duration)
        wait_processed()
        results["batch_throughput"] = {"http": http_result, "end_to_end": end_to_end_rate(since)}
        print("batch throughput:", json.dumps(results["batch_throughput"]), flush=True)

        # 2. Single-event requests (processing keeps up in the background).
        since = now_sql()
        results["single_events"] = wrk(write_key, batch=1, connections=64, duration=args.duration)
        wait_processed()
        print("single events:", json.dumps(results["single_events"]), flush=True)

        # 3. Lag at a steady 1,000 events/s.
        since = now_sql()
        sent = steady_load(write_key, events_per_s=1000, seconds=args.lag_seconds)
        wait_processed()
        results["lag_at_1000_per_s"] = {"sent": sent, **lag_percentiles(since)}
        print("lag at 1000/s:", json.dumps(results["lag_at_1000_per_s"]), flush=True)
    finally:
        stack.stop()

    out = ROOT / "bench" / "results" / f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
