"""The tracking API's fast path: an ASGI app in front of Django that answers /v1/<endpoint>
itself, without Django's middleware (sessions, CSRF, auth, messages: none apply to write-key
requests).

Each request is parsed and validated in a worker thread, then handed to a group committer:
requests arriving while a commit is in flight are stored together in the next transaction, so
many concurrent single-event requests share one commit (and one fsync). A request is still
answered only after the transaction holding its events has committed.
"""

from __future__ import annotations

import asyncio
import weakref

from asgiref.sync import sync_to_async
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections

from ingestion.constants import MAX_BATCH_BYTES
from ingestion.services import Accepted, Submission, events_accept_many
from ingestion.tracking.handler import (
    ENDPOINTS,
    Prepared,
    TrackingResponse,
    database_unavailable,
    error_response,
    prepare,
    respond,
    too_large,
)

PREFIX = "/v1/"
MAX_EVENTS_PER_COMMIT = 5000
MAX_COMMITS_IN_FLIGHT = 2


def _in_thread(function, *args):
    """Run `function` with Django's per-request connection hygiene (hands pooled connections back)."""
    close_old_connections()
    try:
        return function(*args)
    finally:
        close_old_connections()


class GroupCommitter:
    """Collects submissions from concurrent requests and stores them in shared transactions."""

    def __init__(self):
        self._pending: list[tuple[Submission, asyncio.Future]] = []
        self._in_flight = 0
        self._tasks: set[asyncio.Task] = set()  # strong references: the loop keeps only weak ones

    async def submit(self, submission: Submission) -> Accepted:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((submission, future))
        self._start_commits()
        return await future

    def _start_commits(self) -> None:
        while self._pending and self._in_flight < MAX_COMMITS_IN_FLIGHT:
            taken, size = [], 0
            while self._pending and (not taken or size + len(self._pending[0][0].events) <= MAX_EVENTS_PER_COMMIT):
                entry = self._pending.pop(0)
                taken.append(entry)
                size += len(entry[0].events)
            self._in_flight += 1
            task = asyncio.ensure_future(self._commit(taken))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _commit(self, taken) -> None:
        try:
            results = await sync_to_async(_in_thread, thread_sensitive=False)(
                events_accept_many, [submission for submission, _ in taken]
            )
        except Exception as exc:  # every request of the transaction learns it failed
            for _, future in taken:
                if not future.done():
                    future.set_exception(exc)
        else:
            for (_, future), result in zip(taken, results, strict=True):
                if not future.done():
                    future.set_result(result)
        finally:
            self._in_flight -= 1
            self._start_commits()


_committers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def committer_for_loop() -> GroupCommitter:
    loop = asyncio.get_running_loop()
    committer = _committers.get(loop)
    if committer is None:
        committer = _committers[loop] = GroupCommitter()
    return committer


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
            result = await self._result(scope["method"], endpoint, headers, bytes(body))
        payload = result.encoded()
        response_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        response_headers += [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in result.headers.items()
        ]
        await send({"type": "http.response.start", "status": result.status, "headers": response_headers})
        await send({"type": "http.response.body", "body": payload})

    async def _result(self, method: str, endpoint: str, headers: dict[str, str], body: bytes) -> TrackingResponse:
        prepared = await sync_to_async(_in_thread, thread_sensitive=False)(prepare, method, endpoint, headers, body)
        if not isinstance(prepared, Prepared):
            return prepared
        try:
            accepted = await committer_for_loop().submit(prepared.submission)
        except (OperationalError, InterfaceError, DatabaseError) as exc:
            return database_unavailable(exc)
        return respond(prepared, accepted)
