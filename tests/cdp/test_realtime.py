"""Websockets through the real ASGI application and the configured channel layer
(channels_redis on the full stack, in-memory in embedded mode)."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction

from cdp.asgi import application
from cdp.consumers import CLOSE_UNAUTHENTICATED
from cdp.realtime import broadcast_on_commit, group_for_user

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


def communicator(path="/ws/presence/", cookie: str | None = None, origin=ORIGIN):
    headers = [origin, (b"host", b"127.0.0.1:8000")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def test_anonymous_websocket_is_refused():
    ws = communicator()
    connected, code = await ws.connect()
    assert not connected
    assert code == CLOSE_UNAUTHENTICATED


async def test_foreign_origin_is_refused(make_user, session_cookie):
    user = await database_sync_to_async(make_user)("analyst")
    cookie = await database_sync_to_async(session_cookie)(user)
    ws = communicator(cookie=cookie, origin=(b"origin", b"https://evil.example.com"))
    connected, _ = await ws.connect()
    assert not connected


async def test_signed_in_user_gets_hello_pong_and_notices_after_commit(make_user, session_cookie):
    user = await database_sync_to_async(make_user)("analyst")
    cookie = await database_sync_to_async(session_cookie)(user)
    ws = communicator(cookie=cookie)
    connected, _ = await ws.connect()
    assert connected
    hello = await ws.receive_json_from(timeout=5)
    assert hello["type"] == "hello"
    assert hello["user"] == user.username

    await ws.send_json_to({"type": "ping"})
    assert (await ws.receive_json_from(timeout=5))["type"] == "pong"

    @database_sync_to_async
    def notify(message, commit):
        try:
            with transaction.atomic():
                broadcast_on_commit(group_for_user(user.pk), {"type": "user.notice", "message": message})
                if not commit:
                    raise RuntimeError("roll back")
        except RuntimeError:
            pass

    await notify("rolled back", commit=False)
    await notify("committed", commit=True)
    notice = await ws.receive_json_from(timeout=5)
    assert notice == {"type": "notice", "message": "committed"}  # the rolled-back one never came
    assert await ws.receive_nothing(timeout=0.3)
    await ws.disconnect()
