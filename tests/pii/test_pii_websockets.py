"""The PII matrix, websocket side: every role on every socket hears membership changes of a
profile full of personal data, and no message carries any of it. Permission changes reach open
sockets at once."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from cdp.asgi import application
from segments.engine import evaluate_segment
from segments.services import segment_create

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]

EMAIL = "quinta.secret@example.org"
SECRETS = [EMAIL, "Quinta", "Secreta", "912 345 678", "198.51.100.23"]


def connect(path, cookie=None, origin=b"http://127.0.0.1:8000"):
    headers = [(b"origin", origin), (b"host", b"127.0.0.1:8000")] + ([(b"cookie", cookie.encode())] if cookie else [])
    return WebsocketCommunicator(application, path, headers=headers)


@pytest.mark.parametrize("role", ["admin", "steward", "marketer", "analyst"])
async def test_websocket_messages_carry_ids_never_personal_data(make_user, session_cookie, send, drain, role):
    segment = await database_sync_to_async(segment_create)(
        name="Pro", rule={"trait": "plan", "op": "eq", "value": "pro"}
    )
    await database_sync_to_async(evaluate_segment)(segment.pk)
    user = await database_sync_to_async(make_user)(role)
    cookie = await database_sync_to_async(session_cookie)(user)
    sockets = [
        connect(f"/ws/segments/{segment.pk}/", cookie),
        connect("/ws/feed/", cookie),
        connect("/ws/presence/", cookie),
    ]
    for ws in sockets:
        assert (await ws.connect())[0]
    await sockets[2].receive_json_from(timeout=5)  # presence says hello

    traits = {"email": EMAIL, "name": "Quinta Secreta", "phone": "+351 912 345 678", "plan": "pro"}
    await database_sync_to_async(send)(
        "identify", {"userId": "u-ws", "traits": traits, "context": {"ip": "198.51.100.23"}}
    )
    await database_sync_to_async(drain)()

    for ws in sockets[:2]:
        message = await ws.receive_json_from(timeout=10)
        assert message["type"] == "membership" and message["change"] == "entered"
        text = json.dumps(message)
        assert not [s for s in SECRETS if s.lower() in text.lower()], text
    assert await sockets[2].receive_nothing(timeout=0.5)
    for ws in sockets:
        await ws.disconnect()


async def test_losing_a_capability_closes_open_segment_sockets_at_once(make_user, session_cookie):
    from accounts.services import user_set_role

    segment = await database_sync_to_async(segment_create)(name="Any", rule={"event": "X"})
    user = await database_sync_to_async(make_user)("analyst")
    cookie = await database_sync_to_async(session_cookie)(user)
    ws = connect(f"/ws/segments/{segment.pk}/", cookie)
    assert (await ws.connect())[0]
    # A role that keeps view_segments: the socket stays open.
    await database_sync_to_async(user_set_role)(user=user, role="marketer")
    assert await ws.receive_nothing(timeout=0.5)

    from django.contrib.auth.models import Group, Permission

    def drop_view_segments():
        Group.objects.get(name="Marketer").permissions.remove(Permission.objects.get(codename="view_segments"))

    await database_sync_to_async(drop_view_segments)()
    output = await ws.receive_output(timeout=5)
    assert output == {"type": "websocket.close", "code": 4403}


async def test_sockets_from_another_origin_are_refused(make_user, session_cookie):
    user = await database_sync_to_async(make_user)("admin")
    cookie = await database_sync_to_async(session_cookie)(user)
    for origin in (b"https://evil.example", b"http://127.0.0.1.evil.example", b"null"):
        ws = connect("/ws/feed/", cookie, origin=origin)
        connected, _ = await ws.connect()
        assert not connected, origin
    ws = connect("/ws/feed/", cookie)
    assert (await ws.connect())[0]
    await ws.disconnect()
