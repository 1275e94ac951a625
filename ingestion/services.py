"""Writes for ingestion: sources, and accepting events into the durable store."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from ingestion import doorbell
from ingestion.constants import SourceKind
from ingestion.models import Event, IngestionWarning, Source
from ingestion.selectors import forget_write_key
from ingestion.tracking.normalize import NormalizedEvent, Notice


def _forget_source_caches(source: Source) -> None:
    forget_write_key(source.write_key)
    cache.delete("ingestion:allowed-origins")


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
    transaction.on_commit(lambda: _forget_source_caches(source))
    return source


def source_update(*, source: Source, enabled: bool | None = None, allowed_origins: list[str] | None = None) -> Source:
    if enabled is not None:
        source.enabled = enabled
    if allowed_origins is not None:
        source.allowed_origins = allowed_origins
    source.save(update_fields=["enabled", "allowed_origins"])
    transaction.on_commit(lambda: _forget_source_caches(source))
    return source


def source_rotate_write_key(*, source: Source) -> Source:
    old_key = source.write_key
    source.write_key = secrets.token_urlsafe(24)
    source.save(update_fields=["write_key"])
    transaction.on_commit(lambda: forget_write_key(old_key))
    return source


@dataclass
class Accepted:
    accepted: int  # events stored now (duplicates of stored messages are not counted)
    duplicates: int
    rejected: int


def events_accept(*, source: Source, events: list[NormalizedEvent], notices: list[Notice]) -> Accepted:
    """Store events and warnings durably in one transaction, then ring the doorbell.

    Duplicates by (source, messageId), within the batch or with stored events, are dropped by the
    unique constraint (ON CONFLICT DO NOTHING), so concurrent re-sends store exactly one copy.
    """
    rows = []
    seen: set[str] = set()
    for event in events:
        if event.message_id in seen:
            continue
        seen.add(event.message_id)
        rows.append(
            Event(
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
        )
    with transaction.atomic():
        stored = store_events(rows)
        if notices:
            IngestionWarning.objects.bulk_create(
                [
                    IngestionWarning(
                        source_id=source.pk,
                        code=n.code,
                        message=n.message[:500],
                        rejected=n.rejected,
                        message_id=n.message_id,
                        event_type=n.event_type,
                        excerpt=n.excerpt,
                    )
                    for n in notices
                ]
            )
        if stored:
            transaction.on_commit(doorbell.ring)
    return Accepted(accepted=stored, duplicates=len(events) - stored, rejected=sum(1 for n in notices if n.rejected))


def store_events(rows: list[Event]) -> int:
    """Insert, skipping rows whose (source, message_id) exists; returns how many were new.

    The one seam for PostgreSQL-specific speed-ups of the insert; the portable path is Django's
    bulk_create(ignore_conflicts=True) (INSERT … ON CONFLICT DO NOTHING on both databases).
    """
    if not rows:
        return 0
    from django.db import connection

    if connection.vendor == "postgresql":
        from ingestion.pg import insert_events_returning_count

        return insert_events_returning_count(rows)
    before = Event.objects.filter(source_id=rows[0].source_id, message_id__in=[r.message_id for r in rows]).count()
    Event.objects.bulk_create(rows, ignore_conflicts=True)
    after = Event.objects.filter(source_id=rows[0].source_id, message_id__in=[r.message_id for r in rows]).count()
    return after - before
