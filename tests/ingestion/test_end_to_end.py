"""Ingestion end to end: the official Segment SDK against the live server, the real Celery
worker answering the doorbell, the sweeper, and deduplication under concurrent requests."""

from concurrent.futures import ThreadPoolExecutor

import orjson
import pytest
import urllib3

from ingestion.models import Event
from profiles.models import Identity
from tests.helpers import wait_until


@pytest.mark.embedded
def test_the_official_python_sdk_sends_every_call_type(asgi_server, source, drain):
    from segment.analytics.client import Client

    errors = []
    client = Client(
        write_key=source.write_key,
        host=asgi_server,
        gzip=True,
        max_retries=1,
        on_error=lambda error, items: errors.append(error),
    )
    client.identify("u-sdk", {"email": "sdk@example.com", "plan": "pro"}, anonymous_id="anon-sdk")
    client.track("u-sdk", "Order Completed", {"revenue": 42.5})
    client.page("u-sdk", "Docs", "Install")
    client.screen("u-sdk", "App", "Home")
    client.group("u-sdk", "acme", {"name": "Acme"})
    client.alias("anon-later", "u-sdk")
    client.flush()
    client.join()
    assert errors == []
    assert Event.objects.count() == 6
    assert set(Event.objects.values_list("type", flat=True)) == {
        "identify",
        "track",
        "page",
        "screen",
        "group",
        "alias",
    }
    assert Event.objects.get(type="track").context["library"]["name"] == "analytics-python"
    drain()
    profile = Identity.objects.get(kind="user_id", value="u-sdk").profile
    profile.refresh_from_db()
    assert profile.traits["plan"] == "pro"
    assert profile.orders_count == 1
    assert {i.value for i in profile.identities.all()} >= {"u-sdk", "anon-sdk", "sdk@example.com", "anon-later"}


@pytest.mark.embedded
def test_concurrent_resends_of_one_message_store_exactly_one_event(asgi_server, source):
    http = urllib3.PoolManager(maxsize=16)
    headers = urllib3.make_headers(basic_auth=f"{source.write_key}:") | {"Content-Type": "application/json"}
    body = orjson.dumps({"userId": "u1", "event": "Clicked", "messageId": "retry-storm"})

    def post(_):
        return http.request("POST", f"{asgi_server}/v1/track", body=body, headers=headers).status

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(post, range(24)))
    assert statuses == [200] * 24
    assert Event.objects.filter(message_id="retry-storm").count() == 1


@pytest.mark.fullstack
def test_the_doorbell_rings_a_real_worker_that_builds_the_profile(settings, celery_worker_process, send):
    settings.INGESTION_DOORBELL = "celery"
    response = send("identify", {"userId": "u-worker", "traits": {"plan": "team"}})
    assert response.status_code == 200
    assert wait_until(lambda: not Event.objects.filter(processed_at__isnull=True).exists())
    profile = Identity.objects.get(kind="user_id", value="u-worker").profile
    assert profile.traits == {"plan": "team"}


@pytest.mark.fullstack
def test_the_sweeper_recovers_events_whose_doorbell_was_lost(celery_worker_process, send):
    from ingestion.tasks import sweep_unprocessed

    send("track", {"userId": "u-lost", "event": "Lost Ring"})  # doorbell off: the ring is "lost"
    assert Event.objects.filter(processed_at__isnull=True).count() == 1
    assert sweep_unprocessed.delay().get(timeout=60) == 1
    assert Identity.objects.get(kind="user_id", value="u-lost").profile.events_count == 1


@pytest.mark.fullstack
def test_a_worker_killed_mid_batch_loses_and_double_counts_nothing(celery_workers, send, settings):
    import signal

    from ingestion.tasks import process_events
    from profiles.pipeline import events_process_pending
    from tests.profiles.test_pipeline import _history, _snapshot

    history = _history(n_people=60, per_person=25)  # 1,500 events
    send("batch", {"batch": history})
    events_process_pending(batch_size=50)
    expected = _snapshot()
    Event.objects.all().delete()
    from profiles.models import Profile

    Profile.objects.all().delete()

    send("batch", {"batch": history})
    doomed = celery_workers()
    process_events.delay()
    assert wait_until(lambda: Event.objects.filter(processed_at__isnull=False).exists(), interval=0.01)
    doomed.send_signal(signal.SIGKILL)  # mid-drain: its open batch transaction dies with it
    doomed.wait()
    remaining = Event.objects.filter(processed_at__isnull=True).count()
    assert 0 < remaining < len(history)

    celery_workers()  # a new worker; the redelivered task and the sweeper finish the job
    from ingestion.tasks import sweep_unprocessed

    sweep_unprocessed.delay().get(timeout=120)
    assert wait_until(lambda: not Event.objects.filter(processed_at__isnull=True).exists())
    assert _snapshot() == expected
