"""An event sent through the tracking API moves a profile into a segment, and a websocket
client subscribed to that segment (and to the feed) hears it after the commit."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from cdp.asgi import application
from segments.engine import evaluate_segment
from segments.services import segment_create

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


def connect(path, cookie=None):
    headers = HEADERS + ([(b"cookie", cookie.encode())] if cookie else [])
    return WebsocketCommunicator(application, path, headers=headers)


async def test_live_membership_messages_through_the_tracking_api(make_user, session_cookie, send, drain):
    segment = await database_sync_to_async(segment_create)(name="Buyers", rule={"event": "Order Completed"})
    await database_sync_to_async(evaluate_segment)(segment.pk)
    user = await database_sync_to_async(make_user)("analyst")
    cookie = await database_sync_to_async(session_cookie)(user)
    one, feed = connect(f"/ws/segments/{segment.pk}/", cookie), connect("/ws/feed/", cookie)
    assert (await one.connect())[0] and (await feed.connect())[0]

    response = await database_sync_to_async(send)(
        "track", {"userId": "u1", "event": "Order Completed", "messageId": "buy-1"}
    )
    assert response.status_code == 200
    await database_sync_to_async(drain)()

    for ws in (one, feed):
        message = await ws.receive_json_from(timeout=10)
        assert message["type"] == "membership"
        assert (message["segment_id"], message["change"], message["cause"]) == (segment.pk, "entered", "event")
        assert isinstance(message["profile_id"], int) and "email" not in message
    await one.disconnect()
    await feed.disconnect()


async def test_segment_sockets_need_a_signed_in_user_with_view_segments(make_user, session_cookie):
    segment = await database_sync_to_async(segment_create)(name="Any", rule={"event": "X"})
    anonymous = connect(f"/ws/segments/{segment.pk}/")
    connected, code = await anonymous.connect()
    assert not connected and code == 4401
    user = await database_sync_to_async(make_user)("analyst")
    cookie = await database_sync_to_async(session_cookie)(user)
    missing = connect("/ws/segments/999999/", cookie)
    connected, code = await missing.connect()
    assert not connected and code == 4404


async def test_many_changes_at_once_send_counts_instead_of_one_message_per_person(
    make_user, session_cookie, send, drain, monkeypatch
):
    from segments import engine

    monkeypatch.setattr(engine, "LIVE_CHANGES_LIMIT", 2)
    segment = await database_sync_to_async(segment_create)(
        name="Pro", rule={"trait": "plan", "op": "eq", "value": "pro"}
    )
    await database_sync_to_async(evaluate_segment)(segment.pk)
    user = await database_sync_to_async(make_user)("analyst")
    cookie = await database_sync_to_async(session_cookie)(user)
    client = connect(f"/ws/segments/{segment.pk}/", cookie)
    assert (await client.connect())[0]

    for user_id in ("a", "b", "c"):  # one batch: three people enter at once
        await database_sync_to_async(send)("identify", {"userId": user_id, "traits": {"plan": "pro"}})
    await database_sync_to_async(drain)()
    message = await client.receive_json_from(timeout=10)
    assert message["type"] == "changes"
    assert (message["segment_id"], message["entered"], message["exited"], message["cause"]) == (
        segment.pk,
        3,
        0,
        "event",
    )
    assert await client.receive_nothing(timeout=0.5)
    await client.disconnect()
