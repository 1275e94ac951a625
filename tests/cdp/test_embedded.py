"""Embedded mode's in-process worker: drains events when the doorbell rings and runs the beat
schedule (there is no Celery broker)."""

import pytest

from profiles.models import Identity
from tests.helpers import wait_until

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


def test_the_in_process_worker_processes_events_and_runs_the_beat_schedule(settings, send):
    settings.INGESTION_DOORBELL = "thread"
    settings.CELERY_BEAT_SCHEDULE = {"rerank-rfm": {"task": "profiles.rerank_rfm", "schedule": 0.5}}
    send("track", {"userId": "buyer", "event": "Order Completed", "properties": {"revenue": 20}})
    assert wait_until(lambda: Identity.objects.filter(kind="user_id", value="buyer").exists(), timeout=30)
    profile = Identity.objects.get(kind="user_id", value="buyer").profile
    assert profile.orders_count == 1

    def scored():
        profile.refresh_from_db()
        return profile.rfm_class == "Champions"  # the only customer is the best on every score

    assert wait_until(scored, timeout=30)


def test_every_beat_entry_names_a_registered_task(settings):
    from cdp.celery import app

    app.loader.import_default_modules()
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in app.tasks, name
