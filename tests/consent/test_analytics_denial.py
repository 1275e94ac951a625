"""ANALYTICS_DENIED_EFFECT: what is stored for events of people who denied analytics."""

import pytest

from consent import services
from ingestion.models import Event
from tests.consent.helpers import profile_of

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

CONTEXT = {
    "ip": "192.0.2.1",
    "userAgent": "Mozilla/5.0",
    "page": {"url": "https://shop.example.com/p/1"},
    "library": {"name": "analytics.js"},
}


def send_two(send, drain):
    send("identify", {"userId": "u1", "traits": {"plan": "pro"}})
    drain()
    services.consent_record(profile=profile_of("u1"), purpose="analytics", state="denied", source="api")
    send("track", {"userId": "u1", "event": "Product Viewed", "properties": {"sku": "A1"}, "context": CONTEXT})
    send("track", {"userId": "u1", "event": "Order Completed", "properties": {"revenue": 42}, "context": CONTEXT})
    send("track", {"userId": "u2", "event": "Product Viewed", "properties": {"sku": "B2"}, "context": CONTEXT})
    drain()
    return {(e.user_id, e.name): e for e in Event.objects.filter(type="track")}


def test_default_strips_context_of_people_who_denied_analytics(send, drain, settings):
    assert settings.ANALYTICS_DENIED_EFFECT == "strip_context"
    events = send_two(send, drain)
    denied = events[("u1", "Product Viewed")]
    assert denied.context == {"library": {"name": "analytics.js"}}
    assert denied.properties == {"sku": "A1"}
    assert events[("u2", "Product Viewed")].context["ip"] == "192.0.2.1"  # no denial: kept as sent


def test_strip_properties_also_empties_properties_except_purchases(send, drain, settings):
    settings.ANALYTICS_DENIED_EFFECT = "strip_properties"
    events = send_two(send, drain)
    assert events[("u1", "Product Viewed")].properties == {}
    assert events[("u1", "Order Completed")].properties == {"revenue": 42}
    assert profile_of("u1").orders_count == 1
    assert events[("u2", "Product Viewed")].properties == {"sku": "B2"}


def test_keep_stores_events_as_sent(send, drain, settings):
    settings.ANALYTICS_DENIED_EFFECT = "keep"
    events = send_two(send, drain)
    assert events[("u1", "Product Viewed")].context["userAgent"] == "Mozilla/5.0"


def test_denial_carried_by_the_event_itself_applies_to_it(send, drain):
    context = {**CONTEXT, "consent": {"categoryPreferences": {"Analytics": False}}}
    send("track", {"userId": "u1", "event": "Product Viewed", "context": context})
    drain()
    event = Event.objects.get(name="Product Viewed")
    assert set(event.context) == {"library", "consent"}
