"""Reads for ingestion."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet

from ingestion.constants import WRITE_KEY_CACHE_SECONDS
from ingestion.models import Event, IngestionWarning, Source

_MISSING = "missing"


def _write_key_cache_key(write_key: str) -> str:
    import hashlib

    return "ingestion:write-key:" + hashlib.sha256(write_key.encode()).hexdigest()


def source_for_write_key(write_key: str) -> Source | None:
    """The source of a write key (enabled or not), cached for a few seconds."""
    key = _write_key_cache_key(write_key)
    cached = cache.get(key)
    if cached == _MISSING:
        return None
    if cached is not None:
        return cached
    source = Source.objects.filter(write_key=write_key).first()
    cache.set(key, source or _MISSING, WRITE_KEY_CACHE_SECONDS)
    return source


def forget_write_key(write_key: str) -> None:
    cache.delete(_write_key_cache_key(write_key))


def allowed_origins() -> set[str]:
    """Browser origins allowed by any enabled source (answers CORS preflights)."""
    origins = cache.get("ingestion:allowed-origins")
    if origins is None:
        origins = set()
        for listed in Source.objects.filter(enabled=True).values_list("allowed_origins", flat=True):
            origins.update(listed or [])
        cache.set("ingestion:allowed-origins", origins, WRITE_KEY_CACHE_SECONDS)
    return origins


def source_list() -> QuerySet[Source]:
    return Source.objects.order_by("name")


def warning_list() -> QuerySet[IngestionWarning]:
    return IngestionWarning.objects.select_related("source").order_by("-created_at", "-id")


def unprocessed_count() -> int:
    return Event.objects.filter(processed_at__isnull=True).count()
