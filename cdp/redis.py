"""One Redis client per process for Shoal's own small uses (doorbell, counters).

Django's cache clients are context-local: under ASGI every request context builds a new client
and a new connection. This client and its connection pool are shared by all threads.
"""

from __future__ import annotations

import threading

import redis
from django.conf import settings

_client: redis.Redis | None = None
_lock = threading.Lock()


def client() -> redis.Redis:
    global _client
    if _client is None:
        with _lock:
            if _client is None:
                _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _client
