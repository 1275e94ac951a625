"""The Celery application. Configuration comes from Django settings (CELERY_* names)."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cdp.settings")

app = Celery("cdp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect  # each pool process of a prefork worker, after the fork
@worker_ready.connect  # the worker's own process, which runs the tasks of a solo or thread pool
def prepare_worker(**kwargs) -> None:
    """Compile the active segments' rules (segments.engine.warm_up), then freeze what the process
    holds. The connection the warm-up opened is closed: a prefork worker's own process never
    queries again, and its children must not inherit it."""
    from django.db import connections

    from segments.engine import warm_up

    warm_up()
    connections.close_all()
    freeze_startup_objects()


def freeze_startup_objects() -> None:
    """Take what a worker has allocated by the time it starts (Django, the apps, their modules and
    caches: hundreds of thousands of objects that live as long as the process) out of the cyclic
    garbage collector's view. Its full collections walked all of them a couple of times per event
    batch evaluation: a fifth of the segment engine's CPU (docs/benchmarks.md)."""
    gc.freeze()
