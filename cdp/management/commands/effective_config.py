"""Print the effective runtime configuration as JSON (no secrets): which backends are in force."""

import json

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.cache import caches
from django.core.management.base import BaseCommand
from django.db import connection

from cdp.celery import app


def effective_config() -> dict:
    layer = get_channel_layer()
    conf = app.conf
    return {
        "mode": settings.RUN_MODE,
        "env": settings.CDP_ENV,
        "debug": settings.DEBUG,
        "database": {"vendor": connection.vendor, "engine": settings.DATABASES["default"]["ENGINE"]},
        "cache": type(caches["default"]).__module__ + "." + type(caches["default"]).__name__,
        "channel_layer": type(layer).__module__ + "." + type(layer).__name__,
        "celery": {
            "broker_scheme": (conf.broker_url or "").split("://", 1)[0],
            "result_backend_scheme": (conf.result_backend or "").split("://", 1)[0] or None,
            "task_always_eager": conf.task_always_eager,
            "task_eager_propagates": conf.task_eager_propagates,
            "task_acks_late": conf.task_acks_late,
            "task_reject_on_worker_lost": conf.task_reject_on_worker_lost,
            "worker_prefetch_multiplier": conf.worker_prefetch_multiplier,
            "visibility_timeout": (conf.broker_transport_options or {}).get("visibility_timeout"),
            "task_time_limit": conf.task_time_limit,
            "task_serializer": conf.task_serializer,
        },
    }


class Command(BaseCommand):
    help = "Print the effective backends (database, cache, channel layer, Celery) as JSON."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(effective_config(), indent=2, sort_keys=True))
