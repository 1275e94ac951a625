"""Reading a tracking request: size limits, gzip, JSON, and the write key."""

from __future__ import annotations

import base64
import binascii
import zlib

import orjson

from ingestion.constants import MAX_BATCH_BYTES


class TrackingError(Exception):
    """Stops the whole request with a status, a stable code and a message."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def read_body(request) -> bytes:
    """The request body, gunzipped when sent with Content-Encoding: gzip, at most 500 KB."""
    declared = request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > MAX_BATCH_BYTES:
        raise _too_large()
    raw = request.body
    if len(raw) > MAX_BATCH_BYTES:
        raise _too_large()
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
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
        raise _too_large()
    return body


def _too_large() -> TrackingError:
    return TrackingError(400, "request_too_large", f"the request body is larger than {MAX_BATCH_BYTES // 1024} KB")


def parse_json(body: bytes) -> dict:
    if not body:
        raise TrackingError(400, "invalid_json", "the body is empty; send a JSON object")
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise TrackingError(400, "invalid_json", f"the body is not valid JSON (UTF-8): {exc}"[:300]) from None
    if not isinstance(payload, dict):
        raise TrackingError(400, "invalid_json", "the body must be a JSON object")
    return payload


def write_key_of(request, payload: dict) -> str:
    """Segment SDKs send the write key as the HTTP Basic username (empty password), some as
    `writeKey` in the body. Either works."""
    header = request.headers.get("Authorization", "")
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
