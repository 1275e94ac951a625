"""The Segment-compatible tracking API: contract, limits, validation, dedup, CORS, durability."""

import base64
import gzip
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.db import connection

from ingestion.constants import MAX_BATCH_EVENTS
from ingestion.models import Event, IngestionWarning
from ingestion.services import source_update

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize(
    ("endpoint", "payload", "expected"),
    [
        ("identify", {"userId": "u1", "traits": {"plan": "pro"}}, {"type": "identify", "user_id": "u1"}),
        (
            "track",
            {"anonymousId": "a1", "event": "Signed Up", "properties": {"x": 1}},
            {"type": "track", "name": "Signed Up"},
        ),
        ("page", {"anonymousId": "a1", "name": "Home"}, {"type": "page", "name": "Home"}),
        ("screen", {"userId": "u1", "name": "Settings"}, {"type": "screen", "name": "Settings"}),
        ("group", {"userId": "u1", "groupId": "g1", "traits": {"name": "Acme"}}, {"type": "group", "group_id": "g1"}),
        ("alias", {"userId": "u1", "previousId": "a1"}, {"type": "alias", "previous_id": "a1"}),
    ],
)
def test_each_endpoint_stores_its_event_and_answers_exactly_200(send, endpoint, payload, expected):
    response = send(endpoint, {**payload, "messageId": f"m-{endpoint}"})
    assert response.status_code == 200
    assert response.json() == {"success": True, "accepted": 1, "duplicates": 0, "rejected": 0}
    event = Event.objects.get(message_id=f"m-{endpoint}")
    for field, value in expected.items():
        assert getattr(event, field) == value
    assert event.processed_at is None  # stored durably; processing is asynchronous


def test_write_key_in_the_body_works_too(client, source):
    response = client.post(
        "/v1/track",
        data=orjson.dumps({"writeKey": source.write_key, "userId": "u1", "event": "X"}),
        content_type="text/plain",  # what browser beacons send
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("write_key", "status", "code"),
    [("", 401, "missing_write_key"), ("nope", 401, "invalid_write_key")],
)
def test_bad_write_keys_are_refused(send, write_key, status, code):
    response = send("track", {"userId": "u1", "event": "X"}, write_key=write_key)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert Event.objects.count() == 0


def test_a_disabled_source_answers_404(send, source):
    source_update(source=source, enabled=False)
    from ingestion.selectors import forget_write_key

    forget_write_key(source.write_key)
    response = send("track", {"userId": "u1", "event": "X"})
    assert response.status_code == 404
    assert response.json()["code"] == "source_disabled"


def test_gzip_bodies_are_accepted(client, source):
    body = gzip.compress(orjson.dumps({"batch": [{"type": "track", "userId": "u1", "event": "Zipped"}]}))
    auth = "Basic " + base64.b64encode(f"{source.write_key}:".encode()).decode()
    response = client.post(
        "/v1/batch", data=body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code == 200
    assert Event.objects.get().name == "Zipped"


def test_a_gzip_bomb_is_stopped_at_the_limit(client, source):
    body = gzip.compress(b'{"batch": [' + b" " * (2 * 1024 * 1024) + b"]}")
    auth = "Basic " + base64.b64encode(f"{source.write_key}:".encode()).decode()
    response = client.post(
        "/v1/batch", data=body, content_type="application/json", HTTP_CONTENT_ENCODING="gzip", HTTP_AUTHORIZATION=auth
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request_too_large"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "invalid_json"),
        (b"{not json", "invalid_json"),
        (b"[1, 2]", "invalid_json"),
        (b'{"batch": "x"}', "invalid_batch"),
        (b'{"userId": "\xff\xfe", "event": "X"}', "invalid_json"),  # invalid UTF-8
    ],
)
def test_unreadable_bodies_are_400_with_a_code(client, source, body, code):
    auth = "Basic " + base64.b64encode(f"{source.write_key}:".encode()).decode()
    endpoint = "/v1/batch" if b"batch" in body or body in (b"", b"[1, 2]") else "/v1/track"
    response = client.post(endpoint, data=body, content_type="application/json", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_batch_limits(send):
    too_many = [{"type": "track", "userId": "u", "event": "E"}] * (MAX_BATCH_EVENTS + 1)
    response = send("batch", {"batch": too_many})
    assert response.status_code == 400 and response.json()["code"] == "batch_too_large"
    too_big = [{"type": "track", "userId": "u", "event": "E", "properties": {"p": "x" * 20000}}] * 30
    response = send("batch", {"batch": too_big})
    assert response.status_code == 400 and response.json()["code"] == "request_too_large"
    assert Event.objects.count() == 0


def test_bad_events_in_a_batch_are_rejected_alone_and_recorded(send):
    response = send(
        "batch",
        {
            "batch": [
                {"type": "track", "userId": "u1", "event": "Good", "messageId": "good"},
                {"type": "track", "userId": "u1", "messageId": "no-name"},
                {"type": "track", "event": "Nobody", "messageId": "no-id"},
                {"type": "track", "userId": "u1", "event": "Big", "properties": {"blob": "x" * 33000}},
                {"type": "fly", "userId": "u1"},
                {"type": "alias", "userId": "u1", "messageId": "no-previous"},
                "not an object",
                {"type": "track", "userId": "u1", "event": "Deep", "properties": _nested(40)},
                {"type": "track", "userId": "u1", "event": "Old", "timestamp": "1900-01-01T00:00:00Z"},
                {"type": "track", "userId": "u1", "event": "Garbled", "timestamp": "yesterday"},
                {"type": "identify", "userId": {"no": "objects"}},
            ]
        },
    )
    assert response.status_code == 200
    assert response.json() == {"success": True, "accepted": 1, "duplicates": 0, "rejected": 10}
    assert list(Event.objects.values_list("message_id", flat=True)) == ["good"]
    codes = sorted(IngestionWarning.objects.filter(rejected=True).values_list("code", flat=True))
    assert codes == sorted(
        ["invalid_event"] * 5 + ["missing_identity", "event_too_large", "too_deep", "bad_timestamp", "bad_timestamp"]
    )
    warning = IngestionWarning.objects.get(message_id="no-name")
    assert "needs an event name" in warning.message
    assert '"messageId":"no-name"' in warning.excerpt


def _nested(depth: int) -> dict:
    node: dict = {"leaf": 1}
    for _ in range(depth):
        node = {"n": node}
    return node


def test_a_bad_single_event_is_400_and_recorded(send):
    response = send("track", {"userId": "u1"})
    assert response.status_code == 400
    assert response.json() == {"code": "invalid_event", "message": "a track call needs an event name"}
    assert IngestionWarning.objects.filter(code="invalid_event", rejected=True).count() == 1
    assert Event.objects.count() == 0


def test_nul_bytes_are_removed_and_noted(send):
    response = send("track", {"userId": "u\x001", "event": "Na\x00me", "properties": {"k\x00": "v\x00"}})
    assert response.status_code == 200
    event = Event.objects.get()
    assert (event.user_id, event.name, event.properties) == ("u1", "Name", {"k": "v"})
    assert IngestionWarning.objects.get().code == "nul_stripped"


def test_clock_skew_is_corrected_from_sent_at(send):
    device_now = datetime(2020, 1, 1, 12, 0, tzinfo=UTC)  # a device whose clock is years off
    before = datetime.now(UTC)
    send(
        "track",
        {
            "userId": "u1",
            "event": "Skewed",
            "timestamp": iso(device_now - timedelta(minutes=5)),
            "sentAt": iso(device_now),
        },
    )
    event = Event.objects.get()
    assert event.original_timestamp == device_now - timedelta(minutes=5)
    # stored timestamp = receivedAt - (sentAt - timestamp) = receivedAt - 5 minutes
    assert event.timestamp == event.received_at - timedelta(minutes=5)
    assert event.received_at >= before


def test_an_explicit_historical_timestamp_is_kept(send):
    historical = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
    send("track", {"userId": "u1", "event": "Imported", "timestamp": iso(historical)})
    assert Event.objects.get().timestamp == historical


def test_a_future_timestamp_is_replaced_by_received_at(send):
    send("track", {"userId": "u1", "event": "Future", "timestamp": iso(datetime.now(UTC) + timedelta(days=3))})
    event = Event.objects.get()
    assert event.timestamp == event.received_at
    assert IngestionWarning.objects.get().code == "future_timestamp"


def test_batch_context_is_merged_into_each_event(send):
    send(
        "batch",
        {
            "context": {"library": {"name": "analytics-python"}, "ip": "10.0.0.1"},
            "batch": [{"type": "track", "userId": "u1", "event": "E", "context": {"ip": "10.0.0.2"}}],
        },
    )
    assert Event.objects.get().context == {"library": {"name": "analytics-python"}, "ip": "10.0.0.2"}


def test_duplicates_are_dropped_within_a_batch_and_across_requests(send):
    event = {"type": "track", "userId": "u1", "event": "Once", "messageId": "same"}
    first = send("batch", {"batch": [event, event]})
    assert first.json()["accepted"] == 1 and first.json()["duplicates"] == 1
    again = send("track", event)
    assert again.status_code == 200
    assert again.json() == {"success": True, "accepted": 0, "duplicates": 1, "rejected": 0}
    assert Event.objects.count() == 1


def test_message_ids_are_per_source(send, client):
    from ingestion.services import source_create

    other = source_create(name="App", kind="mobile")
    send("track", {"userId": "u1", "event": "E", "messageId": "m1"})
    send("track", {"userId": "u1", "event": "E", "messageId": "m1"}, write_key=other.write_key)
    assert Event.objects.count() == 2


def test_cors_preflight_and_response_for_an_allowed_origin(client, send):
    preflight = client.options("/v1/batch", HTTP_ORIGIN="https://shop.example.com")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://shop.example.com"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    response = send("track", {"userId": "u1", "event": "E"}, HTTP_ORIGIN="https://shop.example.com")
    assert response["Access-Control-Allow-Origin"] == "https://shop.example.com"


def test_cors_refuses_other_origins(client, send):
    preflight = client.options("/v1/batch", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in preflight
    response = send("track", {"userId": "u1", "event": "E"}, HTTP_ORIGIN="https://evil.example.com")
    assert response.status_code == 403
    assert Event.objects.count() == 0


def test_only_post(client):
    response = client.get("/v1/track")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


@pytest.mark.django_db(transaction=True)
def test_database_loss_answers_503_with_retry_after_and_stores_nothing(send, source):
    from ingestion.selectors import source_for_write_key

    source_for_write_key(source.write_key)  # cached, as on a warm server
    saved = {key: connection.settings_dict[key] for key in ("PORT", "NAME", "OPTIONS")}
    connection.close()
    if connection.vendor == "postgresql":
        if hasattr(connection, "close_pool"):
            connection.close_pool()  # the next connection is made anew, from the broken settings
        connection.settings_dict["PORT"] = 1  # nothing listens there: a real connection failure
        options = dict(saved["OPTIONS"])
        if "pool" in options:
            options["pool"] = {**options["pool"], "timeout": 1}
        connection.settings_dict["OPTIONS"] = options
    else:
        connection.settings_dict["NAME"] = "/nonexistent-dir/shoal.sqlite3"
    try:
        response = send("track", {"userId": "u1", "event": "Lost?"})
    finally:
        connection.close()
        if hasattr(connection, "close_pool"):
            connection.close_pool()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable"
    assert Event.objects.count() == 0


def test_the_browser_sdk_short_paths_work(client, source):
    """@segment/analytics-next posts to {apiHost}/t, /i, /p, /s, /g, /a and /b (batched), with
    the write key in the body and a text/plain content type."""
    for path, payload in [
        ("t", {"type": "track", "event": "Clicked", "anonymousId": "a1"}),
        ("p", {"type": "page", "name": "Home", "anonymousId": "a1"}),
        ("i", {"type": "identify", "userId": "u1", "anonymousId": "a1"}),
        ("b", {"batch": [{"type": "track", "event": "Batched", "anonymousId": "a1"}]}),
    ]:
        response = client.post(
            f"/v1/{path}", data=orjson.dumps({**payload, "writeKey": source.write_key}), content_type="text/plain"
        )
        assert response.status_code == 200, path
    assert sorted(Event.objects.values_list("type", flat=True)) == ["identify", "page", "track", "track"]
