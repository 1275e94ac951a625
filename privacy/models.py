"""Data subject requests and their trail, the erasure suppression list, erasure webhooks and the
event retention policy (docs/privacy-requests.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from privacy.constants import DeliveryStatus, RequestAction, RequestKind, RequestStatus


class DataSubjectRequest(models.Model):
    """A person's request under the GDPR (access, portability, erasure, rectification, objection),
    found by one of their identifiers. Due one calendar month after receipt (Art. 12(3)).

    `identifier_value` is personal data as given by the requester; it is masked for roles without
    PII access and blanked when the person is erased (`identifier_hash` stays, a keyed hash).
    """

    kind = models.CharField(max_length=16, choices=RequestKind.CHOICES)
    status = models.CharField(max_length=16, choices=RequestStatus.CHOICES, default=RequestStatus.RECEIVED)
    identifier_kind = models.CharField(max_length=64)
    identifier_value = models.CharField(max_length=255, blank=True, default="")
    identifier_hash = models.CharField(max_length=64, blank=True, default="")
    profile = models.ForeignKey("profiles.Profile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True, default="", help_text="Steward notes. Do not paste personal data here.")
    evidence = models.JSONField(
        default=dict, blank=True, help_text="What was done: counts per table, hashes, times (no personal data)."
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="dsr_status_due"),
            models.Index(fields=["identifier_hash"], name="dsr_identifier_hash"),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk} ({self.kind})"

    @property
    def is_open(self) -> bool:
        return self.status in RequestStatus.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.is_open and self.due_at < timezone.now()


class RequestEvent(models.Model):
    """One entry of a request's append-only trail: who did what, when (no personal data)."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="trail")
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=RequestAction.CHOICES)
    message = models.CharField(max_length=500, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"#{self.request_id} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("the trail of a request is append-only")
        super().save(*args, **kwargs)


class Suppression(models.Model):
    """A keyed hash (HMAC-SHA256) of an erased person's identifier: events carrying it are dropped
    at the API, in imports and in the worker. Holds no personal data."""

    identifier_hash = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    request = models.ForeignKey(
        DataSubjectRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="suppressions"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.identifier_hash[:12]}…"


class ErasureWebhookEndpoint(models.Model):
    """A destination told about every erasure (`profile.erased`), signed per Standard Webhooks."""

    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100, help_text="whsec_… (base64): signs each delivery.")
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ErasureNotification(models.Model):
    """One erasure webhook delivery to one endpoint: status, attempts and last error."""

    request = models.ForeignKey(DataSubjectRequest, on_delete=models.CASCADE, related_name="notifications")
    endpoint = models.ForeignKey(ErasureWebhookEndpoint, on_delete=models.CASCADE, related_name="notifications")
    message_id = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.CHOICES, default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status"], condition=Q(status="pending"), name="erasure_notification_pending")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.endpoint_id} ({self.status})"


class RetentionPolicy(models.Model):
    """How long raw events are kept (one row, pk=1). Aggregates (profile metrics, daily rollups)
    are kept whatever the retention."""

    event_retention_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Delete raw events older than this many days. Empty: keep forever."
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_run_cutoff = models.DateTimeField(null=True, blank=True)
    last_run_deleted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "retention policy"

    def __str__(self) -> str:
        return "Retention policy"
