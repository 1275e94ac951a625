"""Embedded mode's worker: one daemon thread in the web process that stands in for Celery
workers and beat (there is no broker). It drains stored events when the doorbell rings, and runs
every CELERY_BEAT_SCHEDULE entry when due, by calling the same task functions in-process.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

log = logging.getLogger(__name__)


class EmbeddedWorker:
    def __init__(self):
        self._wake = threading.Event()
        self._last_run: dict[str, float] = {}
        self._thread = threading.Thread(target=self._run, name="shoal-embedded-worker", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        from django.db import close_old_connections

        from profiles.pipeline import events_process_pending

        while True:
            self._wake.wait(timeout=1.0)
            woken = self._wake.is_set()
            self._wake.clear()
            if settings.INGESTION_DOORBELL != "thread":
                continue  # configured away (tests switch it off)
            try:
                if woken:
                    events_process_pending()
                self._run_due_schedule()
            except Exception:  # keep the thread alive; unprocessed events are retried
                log.exception("embedded worker: a job failed; will retry")
            finally:
                close_old_connections()

    def _run_due_schedule(self) -> None:
        from cdp.celery import app

        if not self._last_run:
            app.loader.import_default_modules()  # registers every app's tasks (what a worker does)
        now = time.monotonic()
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
            interval = float(entry["schedule"])
            last = self._last_run.get(name)
            if last is None:
                self._last_run[name] = now  # first run one interval after start
                continue
            if now - last >= interval:
                self._last_run[name] = now
                app.tasks[entry["task"]].apply()


_worker: EmbeddedWorker | None = None
_lock = threading.Lock()


def worker() -> EmbeddedWorker:
    global _worker
    with _lock:
        if _worker is None:
            _worker = EmbeddedWorker()
        return _worker
