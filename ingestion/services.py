"""Writes for ingestion: sources, and accepting events into the durable store."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from audit.constants import AuditAction
from audit.services import audit_record
from ingestion import doorbell
from ingestion.constants import SourceKind
from ingestion.models import Event, IngestionWarning, Source
from ingestion.selectors import forget_allowed_origins, forget_write_key
from ingestion.tracking.normalize import NormalizedEvent, Notice


def _forget_source_caches(source: Source) -> None:
    forget_write_key(source.write_key)
    forget_allowed_origins()


def source_create(*, name: str, kind: str, allowed_origins: list[str] | None = None) -> Source:
    if kind not in dict(SourceKind.CHOICES):
        raise ValueError(f"unknown source kind {kind!r}; choose one of: {', '.join(dict(SourceKind.CHOICES))}")
    if not name.strip():
        raise ValueError("a source needs a name")
    if Source.objects.filter(name__iexact=name.strip()).exists():
        raise ValueError(f"a source named {name.strip()!r} already exists")
    source = Source.objects.create(
        name=name.strip(), kind=kind, write_key=secrets.token_urlsafe(24), allowed_origins=allowed_origins or []
    )
    audit_record(action=AuditAction.SOURCE_CREATED, target=source, details={"name": source.name, "kind": kind})
    transaction.on_commit(lambda: _forget_source_caches(source))
    return source


def source_update(*, source: Source, enabled: bool | None = None, allowed_origins: list[str] | None = None) -> Source:
    if enabled is not None:
        source.enabled = enabled
    if allowed_origins is not None:
        source.allowed_origins = allowed_origins
    source.save(update_fields=["enabled", "allowed_origins"])
    audit_record(
        action=AuditAction.SOURCE_UPDATED,
        target=source,
        details={"name": source.name, "enabled": source.enabled, "allowed_origins": source.allowed_origins},
    )
    transaction.on_commit(lambda: _forget_source_caches(source))
    return source


def source_rotate_write_key(*, source: Source) -> Source:
    old_key = source.write_key
    source.write_key = secrets.token_urlsafe(24)
    source.save(update_fields=["write_key"])
    audit_record(action=AuditAction.SOURCE_KEY_ROTATED, target=source, details={"name": source.name})
    transaction.on_commit(lambda: forget_write_key(old_key))
    return source


@dataclass
class Accepted:
    accepted: int  # events stored now (duplicates of stored messages are not counted)
    duplicates: int
    rejected: int


@dataclass
class Submission:
    """What one tracking request wants stored."""

    source: Source
    events: list[NormalizedEvent]
    notices: list[Notice]


def events_accept(*, source: Source, events: list[NormalizedEvent], notices: list[Notice]) -> Accepted:
    """Store one request's events and warnings durably, then ring the doorbell."""
    return events_accept_many([Submission(source, events, notices)])[0]


def events_accept_many(submissions: list[Submission]) -> list[Accepted]:
    """Store several requests' events and warnings in ONE transaction (one commit, one fsync),
    then ring the doorbell once. Returns each request's counts, in order.

    Duplicates by (source, messageId), within a request, across requests or with stored events,
    are dropped by the unique constraint (ON CONFLICT DO NOTHING): concurrent re-sends store
    exactly one copy, and the first request that carried it is the one that counts it.
    """
    from privacy.suppression import submissions_drop_suppressed

    submissions = submissions_drop_suppressed(submissions)  # erased people's events are never stored
    rows: list[Event] = []
    per_submission: list[list[tuple[int, str]]] = []
    for submission in submissions:
        keys = []
        seen: set[str] = set()
        for event in submission.events:
            if event.message_id in seen:
                continue
            seen.add(event.message_id)
            keys.append((submission.source.pk, event.message_id))
            rows.append(_event_row(submission.source, event))
        per_submission.append(keys)
    warnings = [
        IngestionWarning(
            source_id=submission.source.pk,
            code=n.code,
            message=n.message[:500],
            rejected=n.rejected,
            message_id=n.message_id,
            event_type=n.event_type,
            excerpt=n.excerpt,
        )
        for submission in submissions
        for n in submission.notices
    ]
    with transaction.atomic():
        inserted = store_events(rows)
        if warnings:
            IngestionWarning.objects.bulk_create(warnings)
        if inserted:
            transaction.on_commit(doorbell.ring)
    results = []
    for submission, keys in zip(submissions, per_submission, strict=True):
        stored = 0
        for key in keys:
            if key in inserted:
                inserted.discard(key)
                stored += 1
        results.append(
            Accepted(
                accepted=stored,
                duplicates=len(submission.events) - stored,
                rejected=sum(1 for n in submission.notices if n.rejected),
            )
        )
    return results


def _event_row(source: Source, event: NormalizedEvent) -> Event:
    return Event(
        source_id=source.pk,
        message_id=event.message_id,
        type=event.type,
        name=event.name,
        user_id=event.user_id,
        anonymous_id=event.anonymous_id,
        group_id=event.group_id,
        previous_id=event.previous_id,
        properties=event.properties,
        traits=event.traits,
        context=event.context,
        timestamp=event.timestamp,
        original_timestamp=event.original_timestamp,
        sent_at=event.sent_at,
        received_at=event.received_at,
    )


def store_events(rows: list[Event]) -> set[tuple[int, str]]:
    """Insert, skipping rows whose (source, message_id) exists; returns the keys that were new.

    The one seam for PostgreSQL-specific speed-ups of the insert (ingestion/pg.py); the portable
    path is Django's bulk_create(ignore_conflicts=True): INSERT … ON CONFLICT DO NOTHING.
    """
    if not rows:
        return set()
    from django.db import connection

    if connection.vendor == "postgresql":
        from ingestion.pg import insert_events_returning_keys

        return insert_events_returning_keys(rows)
    wanted: dict[int, set[str]] = {}
    for row in rows:
        wanted.setdefault(row.source_id, set()).add(row.message_id)
    existing = {
        (source_id, message_id)
        for source_id, ids in wanted.items()
        for message_id in Event.objects.filter(source_id=source_id, message_id__in=ids).values_list(
            "message_id", flat=True
        )
    }
    Event.objects.bulk_create(rows, ignore_conflicts=True)  # SQLite: writers are serialised
    return {(row.source_id, row.message_id) for row in rows} - existing
