"""Celery tasks of ingestion: a few lines each, ids in, a service call."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from ingestion import doorbell


@shared_task(name="ingestion.process_events", acks_late=True, max_retries=None, default_retry_delay=2)
def process_events() -> int:
    """Drain unprocessed events (answering the doorbell)."""
    from profiles.pipeline import events_process_pending

    doorbell.answered()
    return events_process_pending()


@shared_task(name="ingestion.sweep_unprocessed")
def sweep_unprocessed() -> int:
    """Beat: process anything whose doorbell ring was lost (a dead worker, a Redis restart)."""
    from profiles.pipeline import events_process_pending

    return events_process_pending()


@shared_task(
    name="ingestion.run_import",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=5,
)
def run_import(job_id: int) -> str:
    """A CSV import's background work: its dry run or its import (progress saved per chunk)."""
    from ingestion.imports.work import import_job_process

    job = import_job_process(job_id=job_id)
    return job.status if job else "discarded"
