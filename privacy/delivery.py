"""Delivering erasure notifications (privacy.webhooks) and keeping their status."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from privacy.constants import WEBHOOK_MAX_RETRIES, DeliveryStatus, RequestAction
from privacy.models import ErasureNotification, RequestEvent
from privacy.webhooks import deliver


def notification_deliver(*, notification_id: int, final: bool = False) -> bool:
    notification = ErasureNotification.objects.select_related("endpoint").filter(pk=notification_id).first()
    if notification is None or notification.status == DeliveryStatus.DELIVERED:
        return True
    endpoint = notification.endpoint
    ok, error = deliver(
        url=endpoint.url, secret=endpoint.secret, message_id=notification.message_id, payload=notification.payload
    )
    with transaction.atomic():
        notification.attempts += 1
        notification.last_error = error
        if ok:
            notification.status = DeliveryStatus.DELIVERED
            notification.delivered_at = timezone.now()
        elif final or notification.attempts >= WEBHOOK_MAX_RETRIES + 1:
            notification.status = DeliveryStatus.FAILED
        notification.save(update_fields=["attempts", "last_error", "status", "delivered_at"])
        if ok or notification.status == DeliveryStatus.FAILED:
            RequestEvent.objects.create(
                request_id=notification.request_id,
                action=RequestAction.WEBHOOK,
                message=(f"{endpoint.name} notified." if ok else f"{endpoint.name} could not be notified: {error}")[
                    :500
                ],
                details={
                    "endpoint": endpoint.pk,
                    "message_id": notification.message_id,
                    "attempts": notification.attempts,
                },
            )
    return ok


def notifications_retry_pending(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Pending notifications created a while ago: try each once more. Returns the number sent."""
    cutoff = timezone.now() - older_than
    sent = 0
    for pk in ErasureNotification.objects.filter(status=DeliveryStatus.PENDING, created_at__lt=cutoff).values_list(
        "pk", flat=True
    )[:200]:
        sent += notification_deliver(notification_id=pk)
    return sent
