"""On the full stack: the real ASGI tracking path (uvicorn, the lean fast path) drops a suppressed
person's events, and a real Celery worker delivers the signed erasure webhook."""

from __future__ import annotations

import orjson
import pytest
import urllib3

from ingestion.models import Event
from privacy import services
from privacy.constants import DeliveryStatus
from privacy.models import ErasureNotification
from privacy.webhooks import verify
from tests.helpers import wait_until
from tests.privacy.test_webhooks import receiver  # noqa: F401 - fixture

pytestmark = [pytest.mark.fullstack]


def test_asgi_path_and_celery_worker(asgi_server, source, drain, make_user, celery_worker_process, receiver):  # noqa: F811
    url, received, _ = receiver
    http = urllib3.PoolManager()
    headers = urllib3.make_headers(basic_auth=f"{source.write_key}:") | {"Content-Type": "application/json"}

    def track(payload: dict) -> dict:
        response = http.request("POST", f"{asgi_server}/v1/track", body=orjson.dumps(payload), headers=headers)
        assert response.status == 200
        return orjson.loads(response.data)

    assert track({"userId": "fs-erase-1", "event": "Signed Up", "traits": {"email": "fs@example.com"}})["accepted"] == 1
    drain()
    steward = make_user("steward")
    endpoint = services.webhook_endpoint_create(name="Warehouse", url=url, actor=steward)
    request = services.request_create(kind="erasure", identifier_kind="user_id", identifier_value="fs-erase-1")
    services.request_verify(request=request)
    services.request_erase(request=request, actor=steward)  # commits: the worker gets the delivery task

    assert wait_until(lambda: received, timeout=60)
    headers_seen, body = received[0]
    assert verify(endpoint.secret, headers_seen, body)
    assert wait_until(
        lambda: ErasureNotification.objects.get(request=request).status == DeliveryStatus.DELIVERED, timeout=30
    )

    answer = track({"userId": "fs-erase-1", "event": "Came Back"})
    assert answer == {"success": True, "accepted": 0, "duplicates": 0, "rejected": 1}
    assert not Event.objects.filter(user_id="fs-erase-1").exists()
