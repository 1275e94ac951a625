"""The tracking API's fast path: an ASGI app in front of Django that answers /v1/<endpoint>
itself, without Django's middleware (sessions, CSRF, auth, messages: none apply to write-key
requests), running the handler in a thread pool so that requests are stored in parallel.
Everything else goes to Django untouched.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from ingestion.constants import MAX_BATCH_BYTES
from ingestion.tracking.handler import ENDPOINTS, TrackingResponse, error_response, handle, too_large

PREFIX = "/v1/"


def _handle_in_thread(method: str, endpoint: str, headers: dict[str, str], body: bytes) -> TrackingResponse:
    close_old_connections()
    try:
        return handle(method, endpoint, headers, body)
    finally:
        close_old_connections()  # with a pool (or CONN_MAX_AGE=0) this hands the connection back


class TrackingFastPath:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"].startswith(PREFIX):
            endpoint = scope["path"][len(PREFIX) :].strip("/")
            if endpoint in ENDPOINTS:
                await self._serve(scope, receive, send, endpoint)
                return
        await self.app(scope, receive, send)

    async def _serve(self, scope, receive, send, endpoint: str) -> None:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        body = bytearray()
        oversized = False
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            if oversized or len(body) + len(chunk) > MAX_BATCH_BYTES:
                oversized = True  # keep reading (the client is still sending) but keep nothing
            else:
                body.extend(chunk)
            if not message.get("more_body", False):
                break
        if oversized:
            result = error_response(too_large())
        else:
            result = await sync_to_async(_handle_in_thread, thread_sensitive=False)(
                scope["method"], endpoint, headers, bytes(body)
            )
        payload = result.encoded()
        response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        response_headers += [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in result.headers.items()
        ]
        await send({"type": "http.response.start", "status": result.status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})
