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
from cdp.realtime import FEED_GROUP, group_for_segment, group_for_user
from segments.models import Segment

CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


@database_sync_to_async
def _may_view(user) -> bool:
    return has_capability(user, "view_segments")


@database_sync_to_async
def _may_still_view(user_id: int, segment_id: int | None = None) -> bool:
    """Re-read from the database (the scope's user caches its permissions)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not has_capability(user, "view_segments"):
        return False
    return segment_id is None or _visible(user, segment_id)


def _visible(user, segment_id: int) -> bool:
    from accounts.segment_access import segments_visible

    return segments_visible(Segment.objects.filter(pk=segment_id), user).exists()


@database_sync_to_async
def _segment_exists(segment_id: int, user=None) -> bool:
    """The segment exists and `user` may see it (per-segment access): else it is "not found"."""
    return _visible(user, segment_id) if user is not None else Segment.objects.filter(pk=segment_id).exists()


@database_sync_to_async
def _visible_segment_ids(user_id: int) -> frozenset[int]:
    from django.contrib.auth import get_user_model

    from accounts.segment_access import segments_visible

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return frozenset()
    return frozenset(segments_visible(Segment.objects.all(), user).values_list("pk", flat=True))


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
        # Permission changes arrive on the user's own group (accounts.realtime).
        self.user_group = group_for_user(self.scope["user"].pk)
        await self.channel_layer.group_add(self.user_group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if getattr(self, "user_group", None):
            await self.channel_layer.group_discard(self.user_group, self.channel_name)

    segment_id: int | None = None

    async def permissions_changed(self, event):
        if not await _may_still_view(self.scope["user"].pk, self.segment_id):
            await self.close(code=CLOSE_FORBIDDEN)

    async def user_notice(self, event):
        pass  # notices are for the presence socket

    async def segment_membership(self, event):
        await self.send_json({**{k: v for k, v in event.items() if k != "type"}, "type": "membership"})

    async def segment_changes(self, event):
        """Many changes at once (a full evaluation): counts instead of one message per person."""
        await self.send_json({**{k: v for k, v in event.items() if k != "type"}, "type": "changes"})

    async def segment_batch(self, event):
        """One transaction's changes in one channel-layer message: a frame per change, in order."""
        for message in event["messages"]:
            if message["type"] == "segment.membership":
                await self.segment_membership(message)
            elif message["type"] == "segment.changes":
                await self.segment_changes(message)


class SegmentConsumer(_MembershipConsumer):
    async def connect(self):
        if not await self._authorize():
            return
        segment_id = int(self.scope["url_route"]["kwargs"]["segment_id"])
        if not await _segment_exists(segment_id, self.scope["user"]):
            await self.close(code=CLOSE_NOT_FOUND)
            return
        self.segment_id = segment_id
        await self._join(group_for_segment(segment_id))


class FeedConsumer(_MembershipConsumer):
    """Every segment's changes, filtered to the segments this user may see (re-read at most every
    FEED_VISIBILITY_SECONDS, and at once when their permissions or a segment's sharing change)."""

    FEED_VISIBILITY_SECONDS = 2.0
    visible: frozenset[int] = frozenset()
    visible_read_at = 0.0

    async def connect(self):
        if await self._authorize():
            await self._refresh_visible()
            await self._join(FEED_GROUP)

    async def _refresh_visible(self) -> None:
        import time

        self.visible = await _visible_segment_ids(self.scope["user"].pk)
        self.visible_read_at = time.monotonic()

    async def _may_see(self, segment_id) -> bool:
        import time

        if segment_id in self.visible:
            return True
        if time.monotonic() - self.visible_read_at > self.FEED_VISIBILITY_SECONDS:
            await self._refresh_visible()  # a segment created or shared since
        return segment_id in self.visible

    async def permissions_changed(self, event):
        await super().permissions_changed(event)
        await self._refresh_visible()

    async def segment_membership(self, event):
        if await self._may_see(event.get("segment_id")):
            await super().segment_membership(event)

    async def segment_changes(self, event):
        if await self._may_see(event.get("segment_id")):
            await super().segment_changes(event)
