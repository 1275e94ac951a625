"""The audit log."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from audit.constants import AuditAction


class AuditEntryQuerySet(models.QuerySet):
    """Reads only: bulk updates and deletes are refused in Python (and by a trigger on PostgreSQL)."""

    def update(self, **kwargs):
        raise AuditLogImmutable("audit entries cannot be changed")

    def delete(self):
        raise AuditLogImmutable("audit entries cannot be deleted")

    _raw_delete = delete


class AuditLogImmutable(Exception):
    """Raised on an attempt to change or delete an audit entry through the ORM."""


class AuditEntry(models.Model):
    """One thing that happened, appended and never changed.

    `actor` is the signed-in person (kept as a plain id: deleting a user leaves their entries,
    which keep `actor_label`, their username or the API key's prefix). `details` holds ids,
    names and field names, never raw personal data or secrets. `ip_hash` is an HMAC of the
    client address (never the address), so entries from one address can be grouped without
    storing it. On PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE of this table
    (migration 0002); elsewhere the model and queryset refuse them.
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, choices=AuditAction.CHOICES, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_hash = models.CharField(max_length=32, blank=True)
    request_id = models.CharField(max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label or '-'} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditLogImmutable("audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogImmutable("audit entries cannot be deleted")

    @property
    def action_label(self) -> str:
        return AuditAction.LABELS.get(self.action, self.action)

    @property
    def target(self) -> str:
        return f"{self.target_type} {self.target_id}".strip()
