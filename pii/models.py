"""PII classification of trait keys."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from pii.constants import Sensitivity


def validate_key_pattern(value: str) -> None:
    if not value or value != value.strip():
        raise ValidationError("a trait key cannot be empty or start or end with spaces")
    if "*" in value and not (value.endswith(".*") and value.count("*") == 1 and len(value) > 2):
        raise ValidationError('a wildcard is only allowed as a final ".*" (address.*)')


class TraitClassification(models.Model):
    """How sensitive a trait key is: PII, sensitive or normal. Unlisted keys are normal.

    `key` is a trait key (also an event property, context field or identity kind of the same
    name), or `prefix.*` for a key and everything nested under it. Values of PII and sensitive
    keys are masked for everyone without the `view_pii` capability, on every surface, and for
    everyone with it until they reveal a profile (which is audited). See docs/privacy.md.
    """

    key = models.CharField(max_length=255, unique=True, validators=[validate_key_pattern])
    sensitivity = models.CharField(max_length=16, choices=Sensitivity.CHOICES)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key}: {self.sensitivity}"
