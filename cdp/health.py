"""Liveness (/healthz) and readiness (/readyz) probes, answered as JSON."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """The process is up and serving requests. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def _timed(check):
    started = time.perf_counter()
    try:
        detail = check()
        result = {"ok": True}
        if detail:
            result.update(detail)
    except Exception as exc:  # a readiness probe reports failures, it does not raise them
        result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"vendor": connection.vendor}


def _check_cache():
    cache.set("shoal:readyz", "1", 10)
    if cache.get("shoal:readyz") != "1":
        raise RuntimeError("cache did not return the value just written")


def _check_broker():
    from cdp.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


@never_cache
@require_GET
def readyz(request):
    """Ready to serve: the database answers, and Redis and the Celery broker when configured."""
    checks = {"database": _timed(_check_database)}
    if settings.REDIS_URL:
        checks["cache"] = _timed(_check_cache)
        checks["broker"] = _timed(_check_broker)
    ready = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "mode": settings.RUN_MODE, "checks": checks},
        status=200 if ready else 503,
    )
