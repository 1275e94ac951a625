"""Unified customer profiles: identities, traits with per-key timestamps, computed metrics,
daily event rollups, merges and identity conflicts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from profiles.constants import MergeReason


class Profile(models.Model):
    """One person. Traits are current values, each with the event time that set it
    (`trait_timestamps`), so that out-of-order events resolve to the same state (last write wins
    per key by event time). Metric columns are kept current by the worker on every event.

    A profile merged into another keeps its row with `merged_into` set, so old ids still resolve.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    traits = models.JSONField(default=dict, blank=True)
    trait_timestamps = models.JSONField(default=dict, blank=True)

    # Computed metrics (see profiles/metrics.py and docs/metrics.md)
    first_seen = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    events_count = models.PositiveIntegerField(default=0)
    sessions_count = models.PositiveIntegerField(default=0)
    page_views_count = models.PositiveIntegerField(default=0)
    orders_count = models.PositiveIntegerField(default=0)
    revenue_total = models.DecimalField(max_digits=18, decimal_places=4, default=0)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    rfm_recency = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_frequency = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_monetary = models.PositiveSmallIntegerField(null=True, blank=True)
    rfm_class = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["last_seen"], name="profile_last_seen"),
            models.Index(fields=["last_order_at"], name="profile_last_order"),
            # Time-relative rules ("first seen within the last 7 days") find crossings by range.
            models.Index(fields=["first_seen"], name="profile_first_seen"),
            models.Index(fields=["first_order_at"], name="profile_first_order"),
            models.Index(fields=["rfm_class"], name="profile_rfm_class"),
            # The live profiles' ids, from the index alone: segment evaluations and previews whose
            # rule is all about events join this (~20 MB at 1M profiles) instead of scanning the
            # table (~500 MB) to leave merged profiles out.
            models.Index(fields=["id"], condition=Q(merged_into__isnull=True), name="profile_live_id"),
        ]

    def __str__(self) -> str:
        return f"Profile {self.pk}"

    @property
    def avg_order_value(self):
        return (self.revenue_total / self.orders_count) if self.orders_count else None


class Identity(models.Model):
    """An identifier (kind + value) that belongs to exactly one profile."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=64)
    value = models.CharField(max_length=255)
    first_seen = models.DateTimeField()

    class Meta:
        verbose_name_plural = "identities"
        constraints = [models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_kind_value")]
        indexes = [
            models.Index(fields=["profile", "kind"], name="identity_profile_kind"),
            # Prefix search over identifier values (PostgreSQL; the opclass is ignored elsewhere).
            models.Index(fields=["value"], name="identity_value_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind}={self.value}"


class TraitChange(models.Model):
    """Bounded history of trait values (the newest TRAIT_HISTORY_PER_PROFILE per profile)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="trait_changes")
    key = models.CharField(max_length=255)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    changed_at = models.DateTimeField(help_text="Event time of the change.")
    event = models.ForeignKey("ingestion.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["profile", "-changed_at"], name="traitchange_profile_time")]

    def __str__(self) -> str:
        return f"{self.key}: {self.old_value!r} → {self.new_value!r}"


class ProfileEventDay(models.Model):
    """Daily rollup of one profile's events of one name: rolling-window counts read these rows
    instead of scanning the profile's history."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="event_days")
    name = models.CharField(max_length=255)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=18, decimal_places=4, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["profile", "name", "day"], name="eventday_unique")]

    def __str__(self) -> str:
        return f"{self.profile_id} {self.name} {self.day}: {self.count}"


class ProfileMerge(models.Model):
    """Record of two profiles becoming one: `merged` now points at `survivor`."""

    survivor = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="merges_received")
    merged = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="merges_given")
    reason = models.CharField(max_length=16, choices=MergeReason.CHOICES)
    event = models.ForeignKey("ingestion.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    identities_moved = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"


class IdentityConflict(models.Model):
    """Two profiles that an event tried to link but that carry different user ids: not merged."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="conflicts")
    other_profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=64)
    value = models.CharField(max_length=255)
    event = models.ForeignKey("ingestion.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["resolved"], condition=Q(resolved=False), name="conflict_open")]

    def __str__(self) -> str:
        return f"conflict {self.profile_id}/{self.other_profile_id} on {self.kind}"


class ProfileSettings(models.Model):
    """Workspace-wide profile settings a steward edits (one row, pk=1)."""

    identifier_traits = models.JSONField(
        default=list, blank=True, help_text="Trait keys that identify a person besides email, e.g. phone, crm_id."
    )
    purchase_events = models.JSONField(default=list, blank=True, help_text="Event names that count as orders.")

    class Meta:
        verbose_name = verbose_name_plural = "profile settings"

    def __str__(self) -> str:
        return "Profile settings"
