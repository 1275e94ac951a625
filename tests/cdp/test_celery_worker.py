import os

import pytest

from cdp.tasks import ping


@pytest.mark.fullstack
def test_a_task_round_trips_through_a_real_worker_on_redis(celery_worker_process):
    result = ping.delay("hello").get(timeout=30)
    assert result["token"] == "hello"
    assert result["pid"] == celery_worker_process.pid
    assert result["pid"] != os.getpid()


@pytest.mark.embedded
def test_embedded_mode_runs_tasks_in_process(settings):
    if settings.REDIS_URL:
        pytest.skip("embedded-mode behaviour")
    assert ping.delay("here").get()["pid"] == os.getpid()


@pytest.mark.embedded
def test_a_starting_worker_takes_its_startup_objects_out_of_the_garbage_collectors_view():
    import gc

    from celery.signals import worker_process_init, worker_ready

    from cdp.celery import app

    try:
        for signal in (worker_process_init, worker_ready):
            gc.unfreeze()
            assert gc.get_freeze_count() == 0
            signal.send(sender=app)
            assert gc.get_freeze_count() > 10_000  # Django and the apps, at least
    finally:
        gc.unfreeze()
