"""Schema discovery for the segment builder: what the data shows (events with counts, property keys
with types and values, traits, metrics, segments, purposes), bounded and without personal data."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache

from segments import discovery
from segments.services import segment_create

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**kwargs) -> str:
    return (NOW - timedelta(**kwargs)).isoformat()


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop(send, drain):
    for n, (plan, country) in enumerate([("pro", "FR"), ("pro", "DE"), ("free", "FR")]):
        send(
            "identify",
            {
                "userId": f"u{n}",
                "traits": {
                    "email": f"person{n}@example.com",
                    "plan": plan,
                    "country": country,
                    "age": 30 + n,
                    "vip": n == 0,
                    "signed_up_at": f"2026-01-0{n + 1}T10:00:00Z",
                    "address": {"city": "Lyon" if n else "Paris"},
                },
                "timestamp": ago(days=5),
            },
        )
        for k in range(n + 1):
            send(
                "track",
                {
                    "userId": f"u{n}",
                    "event": "Order Completed",
                    "properties": {"revenue": "19.90", "category": "games" if k == 1 else "books", "coupon": None},
                    "timestamp": ago(days=k + 1),
                },
            )
    send("page", {"userId": "u0", "name": "Pricing", "properties": {"path": "/pricing"}, "timestamp": ago(hours=2)})
    drain()


def test_event_names_come_most_frequent_first_with_counts_and_last_day(shop):
    events = discovery.event_names()
    assert [e["name"] for e in events] == ["Order Completed", "Page Viewed"]
    assert events[0]["count"] == 6
    assert events[1]["count"] == 1
    assert events[0]["last_seen"] == (NOW - timedelta(days=1)).date().isoformat()


def test_event_properties_have_observed_types_and_repeated_values(shop):
    properties = {p["key"]: p for p in discovery.event_properties("Order Completed")}
    assert properties["revenue"]["type"] == "number"  # a numeric string reads as a number, as rules read it
    assert properties["category"]["type"] == "string"
    assert [v["value"] for v in properties["category"]["values"]] == ["books", "games"]
    assert "coupon" not in properties  # only null: no type to offer
    page = {p["key"]: p for p in discovery.event_properties("Page Viewed")}
    assert page["path"]["type"] == "string"
    assert discovery.event_properties("Never Sent") == []


def test_trait_keys_with_types_dotted_paths_and_no_one_off_values(shop):
    traits = {t["key"]: t for t in discovery.trait_keys()}
    assert traits["plan"]["type"] == "string"
    assert {v["value"]: v["count"] for v in traits["plan"]["values"]} == {"pro": 2}  # "free" was seen once
    assert traits["age"]["type"] == "number"
    assert traits["vip"]["type"] == "boolean"
    assert traits["signed_up_at"]["type"] == "datetime"
    assert traits["address.city"]["type"] == "string"
    assert traits["email"]["values"] == []  # every email is seen once: never suggested
    assert traits["plan"]["share"] == 1.0


def test_value_suggestions_filter_by_what_is_typed(shop):
    assert discovery.value_suggestions(kind="trait", key="country", q="f") == [{"value": "FR", "count": 2}]
    assert discovery.value_suggestions(kind="property", key="category", event="Order Completed", q="bo") == [
        {"value": "books", "count": 4}
    ]
    assert [v["value"] for v in discovery.value_suggestions(kind="metric", key="rfm_class", q="lo")] == [
        "Loyal",
        "Potential Loyalist",
        "Can't Lose Them",
        "Lost",
    ]
    assert discovery.value_suggestions(kind="trait", key="missing") == []


def test_metrics_segments_and_purposes(shop):
    segment_create(name="Buyers", rule={"event": "Order Completed"})
    schema = discovery.rule_schema()
    metrics = {m["key"]: m for m in schema["metrics"]}
    assert metrics["days_since_last_order"] == {
        "key": "days_since_last_order",
        "label": "Days since last order",
        "type": "number",
    }
    assert metrics["last_seen"]["type"] == "datetime"
    assert metrics["rfm_class"]["type"] == "string"
    assert [s["name"] for s in schema["segments"]] == ["Buyers"]
    assert any(p["slug"] == "email_marketing" for p in schema["purposes"])
    assert "Champions" in schema["rfm_classes"]


def test_discovery_is_cached_and_bounded(shop, django_assert_max_num_queries):
    discovery.rule_schema()
    with django_assert_max_num_queries(3):  # events and traits come from the cache; segments are read
        discovery.rule_schema()


def test_trait_breakdown_keeps_categorical_keys_only():
    documents = [{"plan": "pro", "email": f"p{n}@x.io", "country": "FR" if n % 3 else "DE"} for n in range(9)]
    breakdown = {b["key"]: b for b in discovery.trait_breakdown(documents)}
    assert set(breakdown) == {"country"}  # plan has one value, emails are all different
    assert breakdown["country"]["values"][0] == {"value": "FR", "count": 6, "share": 0.6667}


def test_schema_api_needs_view_segments(api_client, make_user, shop):
    assert api_client.get("/api/v1/segments/schema/").status_code in (401, 403)
    api_client.force_authenticate(make_user("analyst"))
    body = api_client.get("/api/v1/segments/schema/").json()
    assert body["events"][0]["name"] == "Order Completed"
    properties = api_client.get("/api/v1/segments/schema/properties/", {"event": "Order Completed"}).json()
    assert {p["key"] for p in properties["properties"]} == {"revenue", "category"}
    assert api_client.get("/api/v1/segments/schema/properties/").status_code == 400
    values = api_client.get("/api/v1/segments/schema/values/", {"kind": "trait", "key": "plan", "q": "p"}).json()
    assert values == {"values": [{"value": "pro", "count": 2}]}
    bad = api_client.get("/api/v1/segments/schema/values/", {"kind": "property", "key": "category"})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
