"""The Segment-compatible HTTP Tracking API: /v1/identify|track|page|screen|group|alias|batch.

Success is always exactly 200 with {"success": true, ...}: some official SDKs retry anything else,
which would duplicate data. Errors are JSON {"code", "message"} with 400/401/404/413/415/503.
"""

from __future__ import annotations

import logging

import orjson
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ingestion.constants import MAX_BATCH_EVENTS, RETRY_AFTER_SECONDS
from ingestion.selectors import allowed_origins, source_for_write_key
from ingestion.services import events_accept
from ingestion.tracking.normalize import Rejected, normalize, parse_timestamp
from ingestion.tracking.request import TrackingError, parse_json, read_body, write_key_of

log = logging.getLogger(__name__)

CORS_ALLOW_HEADERS = "Content-Type, Authorization, Content-Encoding"


def _json(status: int, body: dict, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(body), status=status, content_type="application/json")
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _cors(response: HttpResponse, origin: str | None, allowed: bool) -> HttpResponse:
    if origin and allowed:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
        response["Vary"] = "Origin"
    return response


def _origin_allowed(origin: str | None, source_origins: list[str] | None = None) -> bool:
    if not origin:
        return False
    origins = set(settings.TRACKING_CORS_ORIGINS) | (
        set(source_origins) if source_origins is not None else allowed_origins()
    )
    return "*" in origins or origin in origins


def tracking_view(forced_type: str | None):
    """A view for one endpoint; `forced_type` is None for /v1/batch."""

    @csrf_exempt
    def view(request):
        origin = request.headers.get("Origin")
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            if _origin_allowed(origin):
                response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
                response["Access-Control-Allow-Headers"] = CORS_ALLOW_HEADERS
                response["Access-Control-Max-Age"] = "86400"
            return _cors(response, origin, _origin_allowed(origin))
        if request.method != "POST":
            return _json(405, {"code": "method_not_allowed", "message": "use POST"}, {"Allow": "POST, OPTIONS"})
        source_origins = None
        try:
            received_at = timezone.now()
            payload = parse_json(read_body(request))
            source = source_for_write_key(write_key_of(request, payload))
            if source is None:
                raise TrackingError(401, "invalid_write_key", "unknown write key")
            if not source.enabled:
                raise TrackingError(404, "source_disabled", "this source is disabled")
            source_origins = source.allowed_origins
            if origin and not _origin_allowed(origin, source_origins):
                raise TrackingError(403, "origin_not_allowed", f"origin {origin} is not allowed for this source")
            events, notices = _normalize_payload(payload, forced_type, received_at)
            if forced_type and not events:
                rejection = notices[0]
                _record_rejections(source, notices)
                raise TrackingError(400, rejection.code, rejection.message)
            result = events_accept(source=source, events=events, notices=notices)
        except TrackingError as error:
            return _cors(
                _json(error.status, {"code": error.code, "message": error.message}, error.headers),
                origin,
                bool(source_origins is not None and _origin_allowed(origin, source_origins)),
            )
        except (OperationalError, InterfaceError, DatabaseError) as exc:
            log.warning("tracking API: database unavailable: %s", exc)
            return _json(
                503,
                {"code": "unavailable", "message": "the event store is unavailable; retry later"},
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        body = {
            "success": True,
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "rejected": result.rejected,
        }
        return _cors(_json(200, body), origin, origin is not None)

    view.__name__ = f"track_{forced_type or 'batch'}"
    return view


def _normalize_payload(payload: dict, forced_type: str | None, received_at):
    if forced_type is not None:
        outcome = normalize(payload, forced_type=forced_type, received_at=received_at)
        return ([outcome.event] if outcome.event else []), outcome.notices
    batch = payload.get("batch")
    if not isinstance(batch, list):
        raise TrackingError(400, "invalid_batch", "a batch request needs a 'batch' array")
    if len(batch) > MAX_BATCH_EVENTS:
        raise TrackingError(
            400, "batch_too_large", f"a batch holds at most {MAX_BATCH_EVENTS} events; got {len(batch)}"
        )
    context = payload.get("context") if isinstance(payload.get("context"), dict) else None
    try:
        sent_at = parse_timestamp(payload.get("sentAt"), "sentAt")
    except Rejected as rejection:
        raise TrackingError(400, rejection.code, rejection.message) from None
    events, notices = [], []
    for item in batch:
        outcome = normalize(
            item, forced_type=None, received_at=received_at, batch_sent_at=sent_at, batch_context=context
        )
        if outcome.event:
            events.append(outcome.event)
        notices.extend(outcome.notices)
    return events, notices


def _record_rejections(source, notices):
    events_accept(source=source, events=[], notices=notices)


endpoints = {name: tracking_view(name) for name in ("identify", "track", "page", "screen", "group", "alias")}
batch = tracking_view(None)
