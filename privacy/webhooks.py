"""Erasure webhooks, signed per the Standard Webhooks spec (https://www.standardwebhooks.com/):

    webhook-id: msg_…            (stable across retries: receivers deduplicate on it)
    webhook-timestamp: 1700000000 (seconds)
    webhook-signature: v1,<base64 HMAC-SHA256(secret, id + "." + timestamp + "." + body)>

The secret is "whsec_" + base64 of the key bytes. The body is JSON:
{"type": "profile.erased", "timestamp": …, "data": {"request_id", "erased_at", "profile_ids",
"identifiers": [{"kind", "hash"}]}} — ids and keyed hashes only, never the identifiers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.error
import urllib.request

import orjson

from privacy.constants import WEBHOOK_TIMEOUT_SECONDS


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify(secret: str, headers: dict[str, str], body: bytes, *, tolerance: int = 300) -> bool:
    """Receiver side (used by tests and documented for integrators)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp = int(lowered["webhook-timestamp"])
        message_id = lowered["webhook-id"]
        given = lowered["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = sign(secret, message_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in given)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def deliver(*, url: str, secret: str, message_id: str, payload: dict) -> tuple[bool, str]:
    """POST one signed message. (delivered, error message). A 2xx answer is a delivery; a
    redirect is not followed (a failure)."""
    if not url.lower().startswith(("http://", "https://")):
        return False, "only http(s) URLs are delivered to"
    body = orjson.dumps(payload)
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Shoal-Webhooks/1",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, message_id, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        return False, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError, ValueError) as error:
        return False, f"{type(error).__name__}: {error}"[:500]
    if 200 <= status < 300:
        return True, ""
    return False, f"HTTP {status}"
