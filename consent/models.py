"""Consent: purposes, the append-only consent and objection records, the current state derived
from them, Segment category mapping, and the record of every activation check (docs/consent.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from consent.constants import Channel, ConsentSource, ConsentState, DecisionReason, ObjectionAction


class AppendOnlyError(Exception):
    """An append-only row was about to be changed."""


class AppendOnly(models.Model):
    """Rows are inserted once and never updated (they are evidence)."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)


class Purpose(models.Model):
    """Something personal data is used for, that a person can consent to (email_marketing…).

    `legal_text_version` is the version of the text people agree to; every consent record keeps
    the version that was in force. Marketing purposes are blocked by an objection to direct
    marketing whatever the consent says."""

    slug = models.SlugField(max_length=64, unique=True, help_text="Used in rules, the API and events: email_marketing")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, default="")
    legal_text_version = models.CharField(max_length=32, default="v1", help_text="Version of the consent text.")
    is_marketing = models.BooleanField(
        default=True, help_text="Direct marketing: blocked by an objection, shown in the preference centre."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ConsentRecord(AppendOnly):
    """One statement of consent for a profile and a purpose (append-only evidence).

    `occurred_at` is when the person said it (event time for ingested consent), `recorded_at` when
    Shoal stored it. `evidence`: policy_version, collection_point, ip_hash (keyed HMAC, never the
    raw address), user_agent."""

    profile = models.ForeignKey("profiles.Profile", on_delete=models.CASCADE, related_name="consent_records")
    purpose = models.ForeignKey(Purpose, on_delete=models.PROTECT, related_name="records")
    state = models.CharField(max_length=16, choices=ConsentState.choices)
    source = models.CharField(max_length=24, choices=ConsentSource.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    evidence = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    event = models.ForeignKey("ingestion.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["profile", "-occurred_at"], name="consentrecord_profile_time")]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.purpose_id}: {self.state}"


class ProfileConsent(models.Model):
    """The current consent state of a profile for a purpose: the latest record by `occurred_at`
    (ties: the later stored). Derived, written in the same transaction as each record."""

    profile = models.ForeignKey("profiles.Profile", on_delete=models.CASCADE, related_name="consents")
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="current")
    state = models.CharField(max_length=16, choices=ConsentState.choices)
    occurred_at = models.DateTimeField()
    record = models.ForeignKey(ConsentRecord, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "purpose"], name="profileconsent_unique")]
        indexes = [models.Index(fields=["purpose", "state"], name="profileconsent_purpose_state")]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.purpose_id}: {self.state}"


class ObjectionRecord(AppendOnly):
    """An objection to direct marketing (GDPR Art. 21(2)) or its lifting (append-only). While a
    person objects, no marketing purpose is activated for them, whatever their consent."""

    profile = models.ForeignKey("profiles.Profile", on_delete=models.CASCADE, related_name="objection_records")
    action = models.CharField(max_length=16, choices=ObjectionAction.choices)
    source = models.CharField(max_length=24, choices=ConsentSource.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField(default=timezone.now)
    evidence = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["profile", "-occurred_at"], name="objection_profile_time")]

    def __str__(self) -> str:
        return f"{self.profile_id}: {self.action}"


class ProfileObjection(models.Model):
    """Whether a profile currently objects to direct marketing (derived from the latest record)."""

    profile = models.OneToOneField("profiles.Profile", on_delete=models.CASCADE, related_name="objection")
    objected = models.BooleanField()
    occurred_at = models.DateTimeField()
    record = models.ForeignKey(ObjectionRecord, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.profile_id}: {'objects' if self.objected else 'no objection'}"


class ConsentCategoryMapping(models.Model):
    """A Segment consent category (context.consent.categoryPreferences key, matched ignoring
    case) and a purpose it stands for. A category may map to several purposes."""

    category = models.CharField(max_length=100)
    purpose = models.ForeignKey(Purpose, on_delete=models.CASCADE, related_name="category_mappings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["category", "purpose__slug"]
        constraints = [models.UniqueConstraint(fields=["category", "purpose"], name="categorymapping_unique")]

    def __str__(self) -> str:
        return f"{self.category} → {self.purpose_id}"


class ActivationCheck(AppendOnly):
    """The consent state an activation (send, webhook, personalization, export) used: recorded by
    consent.services.activation_decide for every decision, allowed or not."""

    profile = models.ForeignKey(
        "profiles.Profile", null=True, blank=True, on_delete=models.SET_NULL, related_name="activation_checks"
    )
    purpose = models.CharField(max_length=64)
    channel = models.CharField(max_length=24, choices=Channel.choices)
    allowed = models.BooleanField()
    reason = models.CharField(max_length=24, choices=DecisionReason.choices)
    state_used = models.JSONField(default=dict, help_text="Consent and objection state the decision read.")
    context = models.JSONField(default=dict, blank=True, help_text="Caller's references: campaign, webhook…")
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-checked_at", "-id"]
        indexes = [models.Index(fields=["profile", "-checked_at"], name="activationcheck_profile_time")]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.purpose} via {self.channel}: {'allowed' if self.allowed else 'blocked'}"
