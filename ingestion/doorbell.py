"""The doorbell: tells a worker that events are waiting. The database is the queue; losing a
ring only delays processing until the sweeper's next run.

* full stack: a coalesced Celery task (at most one pending ring per few seconds);
* embedded: an in-process background thread;
* "off": nothing (tests drain explicitly with profiles.pipeline.events_process_pending).
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings

from cdp.redis import client as redis_client
from ingestion.constants import DOORBELL_CACHE_KEY, DOORBELL_COALESCE_SECONDS

log = logging.getLogger(__name__)


def mode() -> str:
    return settings.INGESTION_DOORBELL


def ring() -> None:
    current = mode()
    if current == "celery":
        if redis_client().set(DOORBELL_CACHE_KEY, 1, nx=True, ex=DOORBELL_COALESCE_SECONDS):
            from ingestion.tasks import process_events

            process_events.delay()
    elif current == "thread":
        _thread_worker().wake()


def answered() -> None:
    """A worker took the ring: the next insert may ring again."""
    if mode() == "celery":
        redis_client().delete(DOORBELL_CACHE_KEY)


class _ThreadWorker:
    """Embedded mode's worker: one daemon thread draining pending events when woken, and every
    few seconds regardless (the sweeper's role)."""

    def __init__(self):
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="shoal-ingestion-worker", daemon=True)
        self._thread.start()

    def wake(self):
        self._wake.set()

    def _run(self):
        from django.db import close_old_connections

        from profiles.pipeline import events_process_pending

        while True:
            self._wake.wait(timeout=settings.INGESTION_SWEEP_SECONDS)
            self._wake.clear()
            try:
                events_process_pending()
            except Exception:  # keep the thread alive; the events stay unprocessed and retry
                log.exception("in-process event processing failed; will retry")
            finally:
                close_old_connections()


_worker: _ThreadWorker | None = None
_worker_lock = threading.Lock()


def _thread_worker() -> _ThreadWorker:
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = _ThreadWorker()
        return _worker


def start_thread_worker() -> None:
    """Embedded mode starts the worker with the server so leftovers are processed at boot."""
    if mode() == "thread":
        _thread_worker().wake()
