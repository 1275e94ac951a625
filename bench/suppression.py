#!/usr/bin/env python
"""CPU cost of the erasure suppression check on the tracking path (privacy.suppression).

Every accepted request passes through `submissions_drop_suppressed` before its events are stored.
This measures that call alone, in-process, on batches of 100 Segment-spec events (userId,
anonymousId and an email trait each), with an empty suppression list and with 100,000 entries
(the memo is filled directly: no database, no network). Prints microseconds per event.

    .venv/bin/python bench/suppression.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp.settings")
for name in ("DATABASE_URL", "REDIS_URL"):
    os.environ.pop(name, None)

import django  # noqa: E402

django.setup()

from ingestion.models import Source  # noqa: E402
from ingestion.services import Submission  # noqa: E402
from ingestion.tracking.normalize import NormalizedEvent  # noqa: E402
from privacy import suppression  # noqa: E402
from profiles import settings as profile_settings  # noqa: E402


def batch(size: int) -> list[NormalizedEvent]:
    now = datetime.now(UTC)
    return [
        NormalizedEvent(
            message_id=secrets.token_hex(8),
            type="track",
            name="Product Viewed",
            user_id=f"user-{n}",
            anonymous_id=f"anon-{n}",
            group_id=None,
            previous_id=None,
            properties={"sku": "A1"},
            traits={},
            context={"traits": {"email": f"person{n}@example.com"}},
            timestamp=now,
            original_timestamp=None,
            sent_at=None,
            received_at=now,
        )
        for n in range(size)
    ]


def measure(entries: int, rounds: int) -> float:
    suppression._memo = (time.monotonic() + 3600, frozenset(secrets.token_hex(32) for _ in range(entries)))
    submissions = [Submission(Source(pk=1, name="bench"), batch(100), [])]
    started = time.perf_counter()
    for _ in range(rounds):
        suppression.submissions_drop_suppressed(submissions)
    return (time.perf_counter() - started) / (rounds * 100) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    profile_settings._cached = (time.monotonic() + 3600, profile_settings.ProfileConfig((), frozenset()))
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    for entries in (0, 100_000):
        print(f"suppression list of {entries:>7,} entries: {measure(entries, args.rounds):.2f} µs per event")


if __name__ == "__main__":
    main()
