"""Accounts: capabilities (permissions) and API keys. Users are Django's own."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models

from accounts.constants import CAPABILITIES


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
