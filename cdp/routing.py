"""Websocket routes, all under /ws/."""

from django.urls import path

from cdp.consumers import PresenceConsumer

websocket_urlpatterns = [
    path("ws/presence/", PresenceConsumer.as_asgi()),
]
