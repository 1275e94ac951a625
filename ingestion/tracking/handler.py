"""One tracking request, framework-free: method, endpoint, headers and body in; status, JSON
body and headers out. Used by the lean ASGI fast path (ingestion/tracking/asgi.py) and by the
Django view (ingestion/tracking/views.py), so both behave identically.

Success is always exactly 200 with {"success": true, ...}: some official SDKs retry anything else,
which would duplicate data. Errors are JSON {"code", "message"}.
"""

from __future__ import annotations

import base64
import binascii
import logging
import zlib
from dataclasses import dataclass, field

import orjson
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone

from ingestion.constants import MAX_BATCH_BYTES, MAX_BATCH_EVENTS, RETRY_AFTER_SECONDS
from ingestion.selectors import allowed_origins, source_for_write_key
from ingestion.services import Accepted, Submission, events_accept_many
from ingestion.tracking.normalize import Rejected, normalize, parse_timestamp

log = logging.getLogger(__name__)

# Path segment → event type (None: a batch). Segment's browser SDK (analytics-next) posts to
# one-letter paths under its apiHost (t, i, p, s, g, a, b); the HTTP API uses the full names.
ENDPOINTS: dict[str, str | None] = {
    "identify": "identify",
    "track": "track",
    "page": "page",
    "screen": "screen",
    "group": "group",
    "alias": "alias",
    "batch": None,
    "import": None,
    "i": "identify",
    "t": "track",
    "p": "page",
    "s": "screen",
    "g": "group",
    "a": "alias",
    "b": None,
}
CORS_ALLOW_HEADERS = "Content-Type, Authorization, Content-Encoding"


@dataclass
class TrackingResponse:
    status: int
    body: dict | None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        return orjson.dumps(self.body) if self.body is not None else b""


class TrackingError(Exception):
    """Stops the whole request with a status, a stable code and a message."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(error: TrackingError) -> TrackingResponse:
    return TrackingResponse(error.status, {"code": error.code, "message": error.message}, dict(error.headers))


@dataclass
class Prepared:
    """A request that passed every check and awaits storage."""

    submission: Submission
    origin: str | None


def handle(method: str, endpoint: str, headers: dict[str, str], body: bytes) -> TrackingResponse:
    """The whole request, synchronously (the Django view's path)."""
    prepared = prepare(method, endpoint, headers, body)
    if isinstance(prepared, TrackingResponse):
        return prepared
    try:
        accepted = events_accept_many([prepared.submission])[0]
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        return database_unavailable(exc)
    return respond(prepared, accepted)


def prepare(method: str, endpoint: str, headers: dict[str, str], body: bytes) -> Prepared | TrackingResponse:
    """Parse, authenticate and validate. `headers` has lower-case names; `endpoint` is the last
    path segment (track, batch, …). Returns what to store, or the response when there is nothing
    to store (an error, a preflight)."""
    origin = headers.get("origin")
    if method == "OPTIONS":
        response = TrackingResponse(204, None)
        if _origin_allowed(origin):
            response.headers |= {
                "Access-Control-Allow-Methods": "POST, OPTIONS",
                "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                "Access-Control-Max-Age": "86400",
            }
            _cors(response, origin)
        return response
    if method != "POST":
        return TrackingResponse(405, {"code": "method_not_allowed", "message": "use POST"}, {"Allow": "POST, OPTIONS"})
    forced_type = ENDPOINTS[endpoint]
    source = None
    try:
        received_at = timezone.now()
        payload = _parse_json(_decode_body(headers, body))
        source = source_for_write_key(_write_key_of(headers, payload))
        if source is None:
            raise TrackingError(401, "invalid_write_key", "unknown write key")
        if not source.enabled:
            raise TrackingError(404, "source_disabled", "this source is disabled")
        if origin and not _origin_allowed(origin, source.allowed_origins):
            raise TrackingError(403, "origin_not_allowed", f"origin {origin} is not allowed for this source")
        events, notices = _normalize_payload(payload, forced_type, received_at)
        if forced_type and not events:
            events_accept_many([Submission(source, [], notices)])  # record why
            raise TrackingError(400, notices[0].code, notices[0].message)
    except TrackingError as error:
        response = error_response(error)
        if source is not None and _origin_allowed(origin, source.allowed_origins):
            _cors(response, origin)
        return response
    except (OperationalError, InterfaceError, DatabaseError) as exc:
        return database_unavailable(exc)
    return Prepared(Submission(source, events, notices), origin)


def respond(prepared: Prepared, accepted: Accepted) -> TrackingResponse:
    response = TrackingResponse(
        200,
        {
            "success": True,
            "accepted": accepted.accepted,
            "duplicates": accepted.duplicates,
            "rejected": accepted.rejected,
        },
    )
    if prepared.origin:
        _cors(response, prepared.origin)
    return response


def database_unavailable(exc: Exception) -> TrackingResponse:
    log.warning("tracking API: database unavailable: %s", exc)
    return TrackingResponse(
        503,
        {"code": "unavailable", "message": "the event store is unavailable; retry later"},
        {"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _cors(response: TrackingResponse, origin: str) -> None:
    response.headers |= {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Credentials": "true",
        "Vary": "Origin",
    }


def _origin_allowed(origin: str | None, source_origins: list[str] | None = None) -> bool:
    if not origin:
        return False
    origins = set(settings.TRACKING_CORS_ORIGINS) | (
        set(source_origins) if source_origins is not None else allowed_origins()
    )
    return "*" in origins or origin in origins


def too_large() -> TrackingError:
    return TrackingError(400, "request_too_large", f"the request body is larger than {MAX_BATCH_BYTES // 1024} KB")


def _decode_body(headers: dict[str, str], raw: bytes) -> bytes:
    """The body, gunzipped when sent with Content-Encoding: gzip, at most 500 KB either way."""
    if len(raw) > MAX_BATCH_BYTES:
        raise too_large()
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return raw
    if encoding != "gzip":
        raise TrackingError(415, "unsupported_encoding", f"Content-Encoding {encoding!r} is not supported; use gzip")
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        body = decompressor.decompress(raw, MAX_BATCH_BYTES + 1)  # never inflate past the limit
    except zlib.error:
        raise TrackingError(400, "invalid_gzip", "the body is not valid gzip") from None
    if len(body) > MAX_BATCH_BYTES or decompressor.unconsumed_tail:
        raise too_large()
    return body


def _parse_json(body: bytes) -> dict:
    if not body:
        raise TrackingError(400, "invalid_json", "the body is empty; send a JSON object")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise TrackingError(400, "invalid_json", f"the body is not valid JSON (UTF-8): {exc}"[:300]) from None
    if not isinstance(payload, dict):
        raise TrackingError(400, "invalid_json", "the body must be a JSON object")
    return payload


def _write_key_of(headers: dict[str, str], payload: dict) -> str:
    """Segment SDKs send the write key as the HTTP Basic username (empty password), some as
    `writeKey` in the body. Either works."""
    header = headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise TrackingError(401, "invalid_write_key", "the Authorization header is not valid Basic auth") from None
        key = decoded.split(":", 1)[0]
        if key:
            return key
    key = payload.get("writeKey")
    if isinstance(key, str) and key:
        return key
    raise TrackingError(
        401,
        "missing_write_key",
        "send the source's write key as the Basic auth username or as writeKey in the body",
        {"WWW-Authenticate": 'Basic realm="Shoal tracking API"'},
    )


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
