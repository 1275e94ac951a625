from celery import shared_task

from privacy.constants import WEBHOOK_MAX_RETRIES


@shared_task(name="privacy.apply_retention", acks_late=True)
def apply_retention() -> int:
    """Delete raw events older than the retention policy (hourly, CELERY_BEAT_SCHEDULE)."""
    from privacy.services import retention_apply

    return retention_apply()


@shared_task(
    name="privacy.deliver_erasure_webhook",
    bind=True,
    acks_late=True,
    max_retries=WEBHOOK_MAX_RETRIES,
    default_retry_delay=30,
)
def deliver_erasure_webhook(self, notification_id: int) -> bool:
    """Send one erasure notification; retried with backoff while it fails."""
    from privacy.delivery import notification_deliver

    delivered = notification_deliver(notification_id=notification_id, final=self.request.retries >= self.max_retries)
    if not delivered and self.request.retries < self.max_retries and not self.app.conf.task_always_eager:
        raise self.retry(countdown=min(3600, 30 * 2**self.request.retries))
    return delivered


@shared_task(name="privacy.retry_erasure_webhooks", acks_late=True)
def retry_erasure_webhooks() -> int:
    """Sweep: send pending notifications whose task was lost (or embedded mode's failures)."""
    from privacy.delivery import notifications_retry_pending

    return notifications_retry_pending()
