"""Erasure webhooks: a real HTTP receiver checks the Standard Webhooks signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from privacy import services
from privacy.constants import DeliveryStatus, RequestAction
from privacy.delivery import notification_deliver, notifications_retry_pending
from privacy.models import ErasureNotification
from privacy.tasks import deliver_erasure_webhook
from privacy.webhooks import verify
from tests.privacy.helpers import EMAIL, USER_ID, ingest_person

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


@pytest.fixture
def receiver():
    """A local HTTP server recording each POST (headers, body); answers `status[0]`."""
    received: list[tuple[dict, bytes]] = []
    status = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hooks/shoal", received, status
    server.shutdown()


def spec_signature(secret: str, headers: dict, body: bytes) -> str:
    """The Standard Webhooks signature, computed here independently of privacy.webhooks."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def test_an_erasure_is_delivered_signed_with_ids_and_hashes_only(
    send, drain, make_user, receiver, django_capture_on_commit_callbacks
):
    url, received, _ = receiver
    steward = make_user("steward")
    endpoint = services.webhook_endpoint_create(name="ESP", url=url, actor=steward)
    assert endpoint.secret.startswith("whsec_")
    person = ingest_person(send, drain)
    request = services.request_create(kind="erasure", identifier_kind="email", identifier_value=EMAIL, actor=steward)
    services.request_verify(request=request, actor=steward)
    services.request_erase(request=request, actor=steward)
    notification = ErasureNotification.objects.get(request=request)
    deliver_erasure_webhook.apply(args=[notification.pk])  # what the worker runs after commit

    assert len(received) == 1
    headers, body = received[0]
    assert headers["webhook-signature"] == spec_signature(endpoint.secret, headers, body)
    assert verify(endpoint.secret, headers, body)
    assert not verify(endpoint.secret, headers, body + b" ")
    assert headers["webhook-id"] == notification.message_id
    payload = json.loads(body)
    assert payload["type"] == "profile.erased"
    assert person.pk in payload["data"]["profile_ids"]
    assert {i["kind"] for i in payload["data"]["identifiers"]} == {"email", "user_id", "anonymous_id"}
    assert EMAIL.lower() not in body.decode().lower() and USER_ID not in body.decode()
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED and notification.attempts == 1
    assert request.trail.filter(action=RequestAction.WEBHOOK, message="ESP notified.").exists()


def test_a_failing_destination_is_retried_then_marked_failed(make_user, receiver):
    url, received, status = receiver
    status[0] = 500
    steward = make_user("steward")
    services.webhook_endpoint_create(name="Warehouse", url=url, actor=steward)
    request = services.request_create(
        kind="erasure", identifier_kind="user_id", identifier_value="ghost", actor=steward
    )
    services.request_verify(request=request, actor=steward)
    services.request_erase(request=request, actor=steward)
    notification = ErasureNotification.objects.get(request=request)

    assert notification_deliver(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == (
        DeliveryStatus.PENDING,
        1,
        "HTTP 500",
    )

    status[0] = 204
    from datetime import timedelta

    assert notifications_retry_pending(older_than=timedelta(0)) == 1
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED and notification.attempts == 2
    # The same message id both times: receivers deduplicate on it.
    assert received[0][0]["webhook-id"] == received[1][0]["webhook-id"]


def test_a_destination_that_never_answers_well_ends_failed(make_user, receiver):
    url, _, status = receiver
    status[0] = 302  # redirects are not followed
    steward = make_user("steward")
    services.webhook_endpoint_create(name="Old CRM", url=url, actor=steward)
    request = services.request_create(
        kind="erasure", identifier_kind="user_id", identifier_value="ghost2", actor=steward
    )
    services.request_verify(request=request, actor=steward)
    services.request_erase(request=request, actor=steward)
    notification = ErasureNotification.objects.get(request=request)
    assert notification_deliver(notification_id=notification.pk, final=True) is False
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.FAILED
    assert request.trail.filter(action=RequestAction.WEBHOOK, message__contains="could not be notified").exists()
