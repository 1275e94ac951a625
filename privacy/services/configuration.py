"""Steward configuration: erasure webhook endpoints and the event retention policy."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from privacy.constants import (
    RETENTION_CHUNK,
)
from privacy.models import (
    ErasureWebhookEndpoint,
    RetentionPolicy,
)
from privacy.services.common import RequestError, _audit

# --- erasure webhooks -----------------------------------------------------------------------------


def webhook_endpoint_create(*, name: str, url: str, actor=None) -> ErasureWebhookEndpoint:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as error:
        raise RequestError("give an http(s) URL") from error
    if not name.strip():
        raise RequestError("give the destination a name")
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    endpoint = ErasureWebhookEndpoint.objects.create(name=name.strip()[:100], url=url, secret=secret)
    _audit("PRIVACY_REQUEST_HANDLED", actor=actor, target=endpoint, details={"step": "webhook_endpoint_created"})
    return endpoint


def webhook_endpoint_delete(*, endpoint: ErasureWebhookEndpoint, actor=None) -> None:
    _audit("PRIVACY_REQUEST_HANDLED", actor=actor, target=endpoint, details={"step": "webhook_endpoint_deleted"})
    endpoint.delete()


# --- retention ------------------------------------------------------------------------------------


def retention_policy() -> RetentionPolicy:
    policy, _ = RetentionPolicy.objects.get_or_create(pk=1)
    return policy


def retention_set(*, days: int | None, actor=None) -> RetentionPolicy:
    if days is not None and (days < 1 or days > 36500):
        raise RequestError("retention is a number of days from 1 to 36500, or empty to keep events forever")
    with transaction.atomic():
        policy = retention_policy()
        policy.event_retention_days = days
        policy.updated_by = actor if getattr(actor, "pk", None) else None
        policy.save(update_fields=["event_retention_days", "updated_by", "updated_at"])
        _audit("PRIVACY_REQUEST_HANDLED", actor=actor, target=policy, details={"step": "retention_set", "days": days})
    return policy


def retention_apply(*, now: datetime | None = None, chunk: int = RETENTION_CHUNK) -> int:
    """Delete processed raw events older than the retention, `chunk` rows per transaction. Kept:
    profile metrics and daily rollups (profiles.ProfileEventDay), which rolling counts and
    segments' rollup-based conditions read. Returns the number of events deleted."""
    from ingestion.models import Event
    from privacy.events import events_delete

    policy = retention_policy()
    if not policy.event_retention_days:
        return 0
    now = now or timezone.now()
    cutoff = now - timedelta(days=policy.event_retention_days)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                Event.objects.filter(timestamp__lt=cutoff, processed_at__isnull=False)
                .order_by("timestamp")
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                break
            deleted += events_delete(ids)
        if len(ids) < chunk:
            break
    RetentionPolicy.objects.filter(pk=1).update(last_run_at=now, last_run_cutoff=cutoff, last_run_deleted=deleted)
    return deleted
