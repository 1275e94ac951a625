"""Reads for the Sources pages and API: per-source event counts and filtered warnings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from ingestion.models import Event, IngestionWarning
from ingestion.selectors import warning_list

# The live Sources page polls every few seconds; several open tabs share one count per interval.
COUNTS_CACHE_SECONDS = 3
_COUNTS_CACHE_KEY = "ingestion:source-counts"


@dataclass(frozen=True)
class SourceCounts:
    last_hour: int = 0
    last_24h: int = 0
    total: int = 0
    last_event_at: datetime | None = None


def source_event_counts(*, fresh: bool = False) -> dict[int, SourceCounts]:
    """Events received per source: in the last hour, the last 24 hours and in total.

    One aggregate query over the event store for every source (GROUP BY source), cached for a
    few seconds; `fresh=True` skips the cache.
    """
    if not fresh:
        cached = cache.get(_COUNTS_CACHE_KEY)
        if cached is not None:
            return cached
    now = timezone.now()
    rows = (
        Event.objects.order_by()
        .values("source_id")
        .annotate(
            total=Count("id"),
            last_hour=Count("id", filter=Q(received_at__gte=now - timedelta(hours=1))),
            last_24h=Count("id", filter=Q(received_at__gte=now - timedelta(hours=24))),
            last_event_at=Max("received_at"),
        )
    )
    counts = {
        row["source_id"]: SourceCounts(
            last_hour=row["last_hour"],
            last_24h=row["last_24h"],
            total=row["total"],
            last_event_at=row["last_event_at"],
        )
        for row in rows
    }
    cache.set(_COUNTS_CACHE_KEY, counts, COUNTS_CACHE_SECONDS)
    return counts


def forget_source_event_counts() -> None:
    cache.delete(_COUNTS_CACHE_KEY)


def warning_search(
    *, source_id: int | None = None, code: str | None = None, rejected: bool | None = None
) -> QuerySet[IngestionWarning]:
    """Ingestion warnings, newest first, narrowed by source, code and rejected/kept."""
    warnings = warning_list()
    if source_id is not None:
        warnings = warnings.filter(source_id=source_id)
    if code:
        warnings = warnings.filter(code=code)
    if rejected is not None:
        warnings = warnings.filter(rejected=rejected)
    return warnings
