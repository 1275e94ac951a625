"""Project-level websocket consumers."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils import timezone

from cdp.realtime import group_for_user

# Close codes (4000-4999 are for applications).
CLOSE_UNAUTHENTICATED = 4401


@database_sync_to_async
def _still_active(user_id: int) -> bool:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=user_id, is_active=True).exists()


class PresenceConsumer(AsyncJsonWebsocketConsumer):
    """The shell's "live" indicator: proves the websocket path works for a signed-in user.

    Joins the user's own group, so that server-side code can notify one person's open tabs.
    """

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = group_for_user(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "user": user.get_username(), "server_time": timezone.now().isoformat()})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong", "server_time": timezone.now().isoformat()})

    async def user_notice(self, event):
        await self.send_json({"type": "notice", "message": event["message"]})

    async def permissions_changed(self, event):
        """The user's permissions changed (accounts.realtime): tell the page; a deactivated
        user's socket closes."""
        if not await _still_active(self.scope["user"].pk):
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        await self.send_json({"type": "permissions_changed"})
