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
