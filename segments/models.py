"""Segments: a named rule, its versions, current membership and the membership ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Segment(models.Model):
    """An audience described by a rule (docs/rules.md). Membership is kept current by the
    engine: fully when the segment is created or its rule edited, incrementally as events arrive."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        ARCHIVED = "archived", "Archived"

    class Evaluation(models.TextChoices):
        PENDING = "pending", "Waiting"
        RUNNING = "running", "Evaluating"
        DONE = "done", "Up to date"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    rule = models.JSONField()
    version = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    evaluation = models.CharField(max_length=16, choices=Evaluation.choices, default=Evaluation.PENDING)
    evaluation_progress = models.FloatField(default=0.0)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    time_swept_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Time-relative conditions have been re-checked for every moment up to here (engine.time_sweep).",
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SegmentVersion(models.Model):
    """Every rule a segment has had."""

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    rule = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["segment", "version"], name="segmentversion_unique")]

    def __str__(self) -> str:
        return f"{self.segment_id} v{self.version}"


class Membership(models.Model):
    """A profile currently in a segment, since when."""

    # No single-column indexes of their own: (segment, profile) is unique, and (profile, segment)
    # below serves lookups by profile (every index is written on every change).
    # No database foreign-key constraints (db_constraint=False), here and on the ledger: only the
    # engine writes these rows, holding the membership lock (which erasure takes before deleting a
    # profile: engine.lock_membership) and the segment (shared advisory lock), for profiles it has
    # just read as live, so they cannot point nowhere; deleting a profile, segment or event goes
    # through Django, which applies on_delete itself. PostgreSQL's per-row constraint check at
    # commit cost a fifth of an event batch's processing with 50 live segments
    # (docs/benchmarks.md).
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="memberships", db_index=False, db_constraint=False
    )
    profile = models.ForeignKey(
        "profiles.Profile", on_delete=models.CASCADE, related_name="memberships", db_index=False, db_constraint=False
    )
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["segment", "profile"], name="membership_unique")]
        # A profile's memberships are read on every event batch: (profile, segment) answers that
        # from the index alone, without a heap visit per membership.
        indexes = [models.Index(fields=["profile", "segment"], name="membership_profile_segment")]

    def __str__(self) -> str:
        return f"{self.profile_id} in {self.segment_id}"


class MembershipChange(models.Model):
    """The append-only ledger: a profile entered or left a segment, when, and why."""

    class Cause(models.TextChoices):
        EVENT = "event", "An event"
        TIME = "time", "Time passing"
        RULE_EDIT = "rule_edit", "Rule created or edited"
        MERGE = "merge", "Profiles merged"
        ERASURE = "erasure", "Erasure"
        ARCHIVE = "archive", "Segment archived"
        CONSENT = "consent", "Consent changed"

    # Served by the (segment, at) and (profile, at) indexes below. No database constraints (see
    # Membership): append-only rows written by the engine; deletions go through Django.
    segment = models.ForeignKey(
        Segment, on_delete=models.CASCADE, related_name="changes", db_index=False, db_constraint=False
    )
    profile = models.ForeignKey(
        "profiles.Profile",
        on_delete=models.CASCADE,
        related_name="membership_changes",
        db_index=False,
        db_constraint=False,
    )
    entered = models.BooleanField(help_text="True: entered; false: exited.")
    at = models.DateTimeField()
    cause = models.CharField(max_length=16, choices=Cause.choices)
    event = models.ForeignKey(
        "ingestion.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_constraint=False
    )
    version = models.PositiveIntegerField(help_text="The segment's rule version that decided.")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["segment", "at"], name="mchange_segment_at"),
            models.Index(fields=["profile", "at"], name="mchange_profile_at"),
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} {'entered' if self.entered else 'left'} {self.segment_id} ({self.cause})"


class PendingEvaluation(models.Model):
    """What one event batch changed, recorded in the batch's own transaction for the segment
    engine to evaluate right after it commits (segments.pending): the event pipeline and the
    engine then run side by side on two workers instead of one after the other. A row exists from
    the batch's commit until the evaluation that read it commits, so no applied event is ever left
    unevaluated (a worker that dies in between leaves it for the next one, or beat's sweeper)."""

    created_at = models.DateTimeField()
    changes = models.JSONField(help_text="Profile id → the inputs that changed (profiles.hooks).")
    merged_away = models.JSONField(default=dict, help_text="Merged profile id → its survivor's id.")
    last_event = models.JSONField(default=dict, help_text="Profile id → id of its latest applied event.")

    def __str__(self) -> str:
        return f"pending evaluation {self.pk} ({len(self.changes)} profiles)"
