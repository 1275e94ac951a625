"""Per-segment access on websockets: a private segment's socket is "not found" for others, and
the feed leaves its changes out; sharing it lets them in."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from cdp.asgi import application
from segments.engine import evaluate_segment
from segments.services import segment_create

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


def connect(path, cookie):
    headers = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000"), (b"cookie", cookie.encode())]
    return WebsocketCommunicator(application, path, headers=headers)


async def test_private_segments_stay_private_on_websockets(make_user, session_cookie, send, drain):
    from accounts.segment_access import segment_access_set

    owner = await database_sync_to_async(make_user)("marketer")
    other = await database_sync_to_async(make_user)("marketer")
    private = await database_sync_to_async(segment_create)(name="Private", rule={"event": "Buy"}, owner=owner)
    public = await database_sync_to_async(segment_create)(name="Public", rule={"event": "Buy"}, owner=owner)
    await database_sync_to_async(evaluate_segment)(private.pk)
    await database_sync_to_async(evaluate_segment)(public.pk)
    await database_sync_to_async(segment_access_set)(segment=private, visibility="private", actor=owner)

    cookie = await database_sync_to_async(session_cookie)(other)
    hidden = connect(f"/ws/segments/{private.pk}/", cookie)
    connected, code = await hidden.connect()
    assert not connected and code == 4404
    feed = connect("/ws/feed/", cookie)
    assert (await feed.connect())[0]

    await database_sync_to_async(send)("track", {"userId": "u1", "event": "Buy"})
    await database_sync_to_async(drain)()
    message = await feed.receive_json_from(timeout=10)
    assert message["segment_id"] == public.pk
    assert await feed.receive_nothing(timeout=1)  # the private segment's entry was left out

    await database_sync_to_async(segment_access_set)(
        segment=private, shares=[{"user": other, "level": "viewer"}], actor=owner
    )
    shared = connect(f"/ws/segments/{private.pk}/", cookie)
    assert (await shared.connect())[0]
    for ws in (feed, shared):
        await ws.disconnect()
