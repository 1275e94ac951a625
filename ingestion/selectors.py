"""Reads for ingestion."""

from __future__ import annotations

import threading
import time

from django.db.models import QuerySet

from ingestion.constants import WRITE_KEY_CACHE_SECONDS
from ingestion.models import IngestionWarning, Source


class _Memo:
    """A small per-process TTL cache. The tracking API's hot path must not pay a network round
    trip (or, under ASGI, a new Redis connection) per request for a value that changes rarely;
    a change reaches other processes within WRITE_KEY_CACHE_SECONDS."""

    def __init__(self, ttl: float):
        self.ttl = ttl
        self._values: dict = {}
        self._lock = threading.Lock()

    def get(self, key, load):
        now = time.monotonic()
        hit = self._values.get(key)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        value = load()
        with self._lock:
            if len(self._values) > 10_000:
                self._values.clear()
            self._values[key] = (now, value)
        return value

    def forget(self, key=None):
        with self._lock:
            if key is None:
                self._values.clear()
            else:
                self._values.pop(key, None)


_sources = _Memo(WRITE_KEY_CACHE_SECONDS)


def source_for_write_key(write_key: str) -> Source | None:
    """The source of a write key (enabled or not), memoised in the process for a few seconds."""
    return _sources.get(("key", write_key), lambda: Source.objects.filter(write_key=write_key).first())


def forget_write_key(write_key: str | None = None) -> None:
    _sources.forget(("key", write_key) if write_key is not None else None)


def allowed_origins() -> set[str]:
    """Browser origins allowed by any enabled source (answers CORS preflights)."""

    def load():
        origins: set[str] = set()
        for listed in Source.objects.filter(enabled=True).values_list("allowed_origins", flat=True):
            origins.update(listed or [])
        return origins

    return _sources.get("origins", load)


def forget_allowed_origins() -> None:
    _sources.forget("origins")


def source_list() -> QuerySet[Source]:
    return Source.objects.order_by("name")


def warning_list() -> QuerySet[IngestionWarning]:
    return IngestionWarning.objects.select_related("source").order_by("-created_at", "-id")
