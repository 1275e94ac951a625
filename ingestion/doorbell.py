"""The doorbell: tells a worker that events are waiting. The database is the queue; losing a
ring only delays processing until the sweeper's next run.

* full stack: a coalesced Celery task (at most one pending ring per few seconds);
* embedded: the in-process worker thread (cdp/embedded.py);
* "off": nothing (tests drain explicitly with profiles.pipeline.events_process_pending).
"""

from __future__ import annotations

from django.conf import settings

from cdp.redis import client as redis_client
from ingestion.constants import DOORBELL_CACHE_KEY, DOORBELL_COALESCE_SECONDS


def mode() -> str:
    return settings.INGESTION_DOORBELL


def ring() -> None:
    current = mode()
    if current == "celery":
        if redis_client().set(DOORBELL_CACHE_KEY, 1, nx=True, ex=DOORBELL_COALESCE_SECONDS):
            from ingestion.tasks import process_events

            process_events.delay()
    elif current == "thread":
        from cdp.embedded import worker

        worker().wake()


def answered() -> None:
    """A worker took the ring: the next insert may ring again."""
    if mode() == "celery":
        redis_client().delete(DOORBELL_CACHE_KEY)


def start_thread_worker() -> None:
    """Embedded mode starts the in-process worker with the server (leftovers, beat schedule)."""
    if mode() == "thread":
        from cdp.embedded import worker

        worker().wake()
