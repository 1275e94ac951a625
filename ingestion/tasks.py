"""Celery tasks of ingestion: a few lines each, ids in, a service call."""

from celery import shared_task

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
