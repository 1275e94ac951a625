"""Live membership over websockets: /ws/segments/<id>/ (one segment) and /ws/feed/ (all).

Consumers authenticate and authorize in `connect` (session user with `view_segments`; the
Origin is checked by the ASGI router) and their handlers only send. Messages carry ids, never
personal data: {"type": "membership", "segment_id", "profile_id", "change", "cause", "event_id", "at"}.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.permissions import has_capability
from cdp.consumers import CLOSE_UNAUTHENTICATED
from cdp.realtime import FEED_GROUP, group_for_segment
from segments.models import Segment

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _may_view(user) -> bool:
    return has_capability(user, "view_segments")


@database_sync_to_async
def _segment_exists(segment_id: int) -> bool:
    return Segment.objects.filter(pk=segment_id).exists()


class _MembershipConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def _authorize(self) -> bool:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return False
        if not await _may_view(user):
            await self.close(code=CLOSE_FORBIDDEN)
            return False
        return True

    async def _join(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def segment_membership(self, event):
        await self.send_json({**{k: v for k, v in event.items() if k != "type"}, "type": "membership"})


class SegmentConsumer(_MembershipConsumer):
    async def connect(self):
        if not await self._authorize():
            return
        segment_id = int(self.scope["url_route"]["kwargs"]["segment_id"])
        if not await _segment_exists(segment_id):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        await self._join(group_for_segment(segment_id))


class FeedConsumer(_MembershipConsumer):
    async def connect(self):
        if await self._authorize():
            await self._join(FEED_GROUP)
