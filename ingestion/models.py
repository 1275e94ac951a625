"""Sources, the append-only event store and ingestion warnings."""

from __future__ import annotations

from django.db import models
from django.db.models import Case, F, Q, Value, When

from ingestion.constants import (
    MAX_MESSAGE_ID_LENGTH,
    TRACK_EVENT_TYPE,
    VIEW_EVENT_NAMES,
    SourceKind,
    WarningCode,
)


def event_known_as(event_type: str, name: str) -> str:
    """The name event conditions and daily rollups know an event by: a `track` event's name,
    "Page Viewed" / "Screen Viewed" for page and screen calls, "" for the other types. Stored
    as Event.known_as (KNOWN_AS below, the same in SQL)."""
    if event_type == TRACK_EVENT_TYPE:
        return name
    return VIEW_EVENT_NAMES.get(event_type, "")


# event_known_as in SQL (NULL for the types that are not counted).
KNOWN_AS = Case(
    When(type=TRACK_EVENT_TYPE, then=F("name")),
    *[When(type=event_type, then=Value(view_name)) for event_type, view_name in VIEW_EVENT_NAMES.items()],
    default=Value(None),
    output_field=models.CharField(max_length=255),
)


class Source(models.Model):
    """Where events come from (a website, an app, a CRM…), identified by its write key.

    The write key is not a secret for browser sources (it ships in page code), so it is stored as
    is; disabling a source makes the tracking API answer 404 for its key.
    """

    name = models.CharField(max_length=100, unique=True)
    kind = models.CharField(max_length=16, choices=SourceKind.CHOICES)
    write_key = models.CharField(max_length=64, unique=True)
    enabled = models.BooleanField(default=True)
    allowed_origins = models.JSONField(
        default=list,
        blank=True,
        help_text="Browser origins allowed to send events (CORS), e.g. https://shop.example.com",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    """One accepted event, stored before the API answers 200. Append-only.

    `(source, message_id)` is unique: a re-sent message is dropped by the database. `timestamp`
    is the event time after clock-skew correction; `processed_at` is set by the worker in the
    same transaction that applies the event to its profile.
    """

    # Foreign keys without single-column indexes of their own: the composite indexes below lead
    # with them, and every index is written twice per event (insert, then the worker's update).
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="events", db_index=False)
    message_id = models.CharField(max_length=MAX_MESSAGE_ID_LENGTH)
    type = models.CharField(max_length=16)
    name = models.CharField(max_length=255, blank=True, default="")
    user_id = models.CharField(max_length=255, null=True, blank=True)
    anonymous_id = models.CharField(max_length=255, null=True, blank=True)
    group_id = models.CharField(max_length=255, null=True, blank=True)
    previous_id = models.CharField(max_length=255, null=True, blank=True)
    properties = models.JSONField(default=dict, blank=True)
    traits = models.JSONField(default=dict, blank=True)
    context = models.JSONField(default=dict, blank=True)
    timestamp = models.DateTimeField()
    original_timestamp = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    profile = models.ForeignKey(
        "profiles.Profile", null=True, blank=True, on_delete=models.SET_NULL, related_name="events", db_index=False
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    # Stored by the database: one indexed column answers "events known as X" for every kind of
    # event, where `(type = 'track' AND name = X) OR type = 'page'` could use no index at all.
    known_as = models.GeneratedField(
        expression=KNOWN_AS,
        output_field=models.CharField(max_length=255, null=True),
        db_persist=True,
        help_text="The name event conditions know this event by (event_known_as); NULL for identify, group, alias.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "message_id"], name="event_unique_message_per_source"),
        ]
        indexes = [
            # A profile's events known as X (in a window): the engine's state loading, EXISTS.
            models.Index(fields=["profile", "known_as", "timestamp"], name="event_profile_known_ts"),
            # Covers profile_id and properties (PostgreSQL): "who did X (in a window), how often, with
            # which property values" is answered from the index alone, for one event name's entries
            # instead of the whole table (segment previews, full evaluations, the time sweep's
            # bands). "An order over 150" on 10M events: 2.2 s -> 0.6 s (docs/benchmarks.md).
            models.Index(
                fields=["known_as", "timestamp"], include=["profile", "properties"], name="event_known_ts_props"
            ),
            models.Index(fields=["profile", "timestamp"], name="event_profile_ts"),
            models.Index(fields=["source", "received_at"], name="event_source_received"),
            # PostgreSQL also has a BRIN index on timestamp (migration 0009, not declared here:
            # Django would create it on SQLite too) for windowed scans that read properties.
            # The worker's queue: only unprocessed rows are indexed.
            models.Index(fields=["id"], condition=Q(processed_at__isnull=True), name="event_unprocessed"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.name or ''} ({self.message_id})".strip()


class IngestionWarning(models.Model):
    """An event that was rejected (never stored) or altered on the way in, for stewards to see."""

    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.CASCADE, related_name="warnings")
    code = models.CharField(max_length=32, choices=WarningCode.CHOICES)
    message = models.CharField(max_length=500)
    rejected = models.BooleanField(help_text="True when the event was dropped; false when it was kept with a change.")
    message_id = models.CharField(max_length=MAX_MESSAGE_ID_LENGTH, blank=True, default="")
    event_type = models.CharField(max_length=16, blank=True, default="")
    # A truncated copy of what was sent, for diagnosis (never more than a few KB).
    excerpt = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


# CSV imports keep their models in their own package; importing them here registers them with the app.
from ingestion.imports.models import ImportFile, ImportJob  # noqa: E402, F401
