"""Loading the demo population through the real ingestion path (a "server import").

Messages from `profiles.demo` are normalized by the tracking API's normalizer, stored with
`events_accept` (deduplicated by messageId; explicit historical timestamps kept), then applied to
profiles by the pipeline (`events_process_pending`) and ranked (`rfm_rerank`). Profiles are never
written directly: what you see after a load is what the same events sent over HTTP would give.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ingestion.constants import SourceKind
from ingestion.models import Event, Source
from ingestion.services import events_accept, source_create
from ingestion.tracking.normalize import normalize
from profiles.demo import SOURCE_NAME, persona_quotas, population_messages
from profiles.metrics import rfm_rerank
from profiles.pipeline import events_process_pending

STORE_CHUNK_EVENTS = 2_000


@dataclass
class LoadProgress:
    people_total: int
    people: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    processed: int = 0
    started: float = 0.0
    finished: float = 0.0
    rfm_scored: int = 0

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def rate(self) -> float:
        """Events stored and processed per second of the whole load."""
        return self.processed / self.seconds if self.seconds > 0 else 0.0


def demo_source() -> Source:
    """The "Demo data" source (a server source), created on first use."""
    source = Source.objects.filter(name__iexact=SOURCE_NAME).first()
    return source or source_create(name=SOURCE_NAME, kind=SourceKind.SERVER)


def demo_events_count(source: Source) -> int:
    return Event.objects.filter(source=source).count()


# A finished load leaves this file in the var directory, naming the database and the demo source
# it loaded into: demo events without it are an interrupted load (the next run finishes it).
COMPLETION_FILE = "demo-data-complete.json"


def _completion_key(source: Source) -> dict:
    database = settings.DATABASES["default"]
    return {
        "database": f"{database.get('HOST') or ''}:{database.get('PORT') or ''}/{database['NAME']}",
        "source": source.pk,
        "source_created_at": source.created_at.isoformat(),
    }


def demo_load_complete(source: Source) -> bool:
    """Whether a load into this database's demo source ran to its end."""
    path = Path(settings.VAR_DIR) / COMPLETION_FILE
    try:
        recorded = json.loads(path.read_text())
    except (OSError, ValueError):
        return False
    return recorded == _completion_key(source)


def demo_load_mark_complete(source: Source) -> None:
    (Path(settings.VAR_DIR) / COMPLETION_FILE).write_text(json.dumps(_completion_key(source)) + "\n")


@contextmanager
def _worker_is_us() -> Iterator[None]:
    """The loader processes what it stores itself: no doorbell rings (no background thread or
    Celery task racing it for the same rows) while it runs."""
    previous = settings.INGESTION_DOORBELL
    settings.INGESTION_DOORBELL = "off"
    try:
        yield
    finally:
        settings.INGESTION_DOORBELL = previous


def demo_data_load(
    *,
    customers: int,
    days: int,
    seed: int,
    now: datetime | None = None,
    on_progress: Callable[[LoadProgress], None] | None = None,
) -> LoadProgress:
    """Store and process the population's events in chunks; returns the final counts."""
    now = now or timezone.now()
    source = demo_source()
    progress = LoadProgress(people_total=sum(persona_quotas(customers).values()), started=time.monotonic())
    report = on_progress or (lambda _progress: None)
    pending: list[dict] = []

    def store() -> None:
        events, notices = [], []
        for message in pending:
            outcome = normalize(message, forced_type=None, received_at=now)
            if outcome.event is not None:
                events.append(outcome.event)
            notices.extend(outcome.notices)
        pending.clear()
        accepted = events_accept(source=source, events=events, notices=notices)
        progress.stored += accepted.accepted
        progress.duplicates += accepted.duplicates
        progress.rejected += accepted.rejected
        report(progress)
        while processed := events_process_pending(max_batches=1):
            progress.processed += processed
            report(progress)

    with _worker_is_us():
        for _person, messages in population_messages(customers=customers, days=days, seed=seed, now=now):
            pending.extend(messages)
            progress.people += 1
            if len(pending) >= STORE_CHUNK_EVENTS:
                store()
        store()
    progress.rfm_scored = rfm_rerank()
    progress.finished = time.monotonic()
    demo_load_mark_complete(source)
    report(progress)
    return progress
