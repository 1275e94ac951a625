"""Websocket routes, all under /ws/."""

from django.urls import path

from cdp.consumers import PresenceConsumer
from segments.consumers import FeedConsumer, SegmentConsumer

websocket_urlpatterns = [
    path("ws/presence/", PresenceConsumer.as_asgi()),
    path("ws/segments/<int:segment_id>/", SegmentConsumer.as_asgi()),
    path("ws/feed/", FeedConsumer.as_asgi()),
]
