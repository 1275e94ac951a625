"""Accounts: capabilities (permissions) and API keys. Users are Django's own."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

from accounts.constants import CAPABILITIES, SegmentVisibility, ShareLevel


class Capability(models.Model):
    """Holds no rows: it exists so that Shoal's capabilities are real Django permissions
    (`accounts.view_pii`, …) that roles (groups) and users can be granted."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = list(CAPABILITIES.items())

    def __str__(self) -> str:
        return "capability"


class ApiKey(models.Model):
    """A secret for the REST API, sent as `Authorization: Bearer <key>`.

    Only a SHA-256 hash of the key is stored (keys are 256-bit random, so a fast hash is safe);
    `prefix` is the visible start of the key, to recognise it in lists. The key acts with its
    role's permissions, narrowed to `scopes` when any are given. Revoked keys stay for the record.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    role = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="api_keys")
    scopes = models.JSONField(default=list, blank=True, help_text="Capability codenames; empty means the whole role.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class SegmentAccess(models.Model):
    """A segment's visibility. A segment without a row has the workspace default
    (SEGMENT_DEFAULT_VISIBILITY). See accounts/segment_access.py and docs/privacy.md."""

    segment = models.OneToOneField(
        "segments.Segment", on_delete=models.CASCADE, primary_key=True, related_name="access"
    )
    visibility = models.CharField(max_length=16, choices=SegmentVisibility.CHOICES)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "segment visibility"

    def __str__(self) -> str:
        return f"segment {self.segment_id}: {self.visibility}"


class SegmentShare(models.Model):
    """A segment shared with one user or one role (group), as viewer or editor."""

    segment = models.ForeignKey("segments.Segment", on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=8, choices=ShareLevel.CHOICES)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, group__isnull=True)
                | models.Q(user__isnull=True, group__isnull=False),
                name="segmentshare_user_or_group",
            ),
            models.UniqueConstraint(
                fields=["segment", "user"], condition=models.Q(user__isnull=False), name="segmentshare_unique_user"
            ),
            models.UniqueConstraint(
                fields=["segment", "group"], condition=models.Q(group__isnull=False), name="segmentshare_unique_group"
            ),
        ]

    def __str__(self) -> str:
        return f"segment {self.segment_id} → {self.user_id or self.group_id}: {self.level}"
