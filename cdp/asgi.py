"""ASGI entry point: one process serves HTTP and websockets (uvicorn cdp.asgi:application)."""

import os

from django.conf import settings
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp.settings")
django_asgi_app = get_asgi_application()

# Imported after Django is set up: consumers import models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from cdp.routing import websocket_urlpatterns  # noqa: E402
from ingestion.tracking.asgi import TrackingFastPath  # noqa: E402

if settings.INGESTION_DOORBELL == "thread" and settings.CDP_ENV != "test":
    # Embedded mode: the in-process worker drains leftovers at boot and runs the beat schedule.
    from ingestion.doorbell import start_thread_worker

    start_thread_worker()

application = ProtocolTypeRouter(
    {
        # /v1/* (the tracking API) skips Django's middleware; everything else is Django.
        "http": TrackingFastPath(django_asgi_app),
        # Origin must match ALLOWED_HOSTS; the session cookie authenticates the user.
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
