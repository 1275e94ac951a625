"""Names of Channels groups and the one way to broadcast to them (after commit).

Every consumer joins groups named here and every broadcast goes through `broadcast_on_commit`, so
no message is ever sent for a transaction that rolls back.
"""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction


def group_for_user(user_id: int) -> str:
    return f"user.{user_id}"


def group_for_segment(segment_id: int) -> str:
    return f"segment.{segment_id}"


FEED_GROUP = "feed"


def broadcast(group: str, message: dict) -> None:
    """Send `message` (a dict with a "type" naming the consumer handler) to a group now."""
    layer = get_channel_layer()
    if layer is not None:
        async_to_sync(layer.group_send)(group, message)


def broadcast_many(messages: list[tuple[str, dict]]) -> None:
    """Send several (group, message) pairs now, in one pass through the event loop."""
    layer = get_channel_layer()
    if layer is None or not messages:
        return

    async def send_all() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    async_to_sync(send_all)()


def broadcast_on_commit(group: str, message: dict) -> None:
    """Send `message` to `group` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: broadcast(group, message))
