"""Consent through the tracking API (Segment's conventions), end to end: stored, processed by the
pipeline, recorded with evidence, and reflected in segment membership in the same batch."""

import pytest

from consent.models import ConsentRecord, ProfileConsent
from consent.services import category_mapping_add, ip_hash, purpose_create
from ingestion.models import Event
from segments.engine import evaluate_segment
from segments.models import MembershipChange
from segments.services import segment_create
from tests.consent.helpers import members, profile_of

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def current(user_id: str) -> dict[str, str]:
    return dict(ProfileConsent.objects.filter(profile=profile_of(user_id)).values_list("purpose__slug", "state"))


def preferences(**categories) -> dict:
    return {"consent": {"categoryPreferences": categories}}


def test_category_preferences_on_an_event_record_consent_with_evidence(send, drain):
    response = send(
        "track",
        {
            "userId": "u1",
            "event": "Product Viewed",
            "timestamp": "2026-05-01T10:00:00Z",
            "context": {
                **preferences(Advertising=True, Analytics=False, Unmapped=True),
                "ip": "198.51.100.7",
                "userAgent": "Mozilla/5.0 (X11)",
            },
        },
    )
    assert response.status_code == 200
    drain()
    assert current("u1") == {"advertising": "granted", "analytics": "denied"}
    record = ConsentRecord.objects.get(purpose__slug="advertising")
    assert record.source == "ingestion"
    assert record.event_id == Event.objects.get(name="Product Viewed").pk
    assert record.occurred_at.isoformat().startswith("2026-05-01T10:00:00")
    assert record.evidence["ip_hash"] == ip_hash("198.51.100.7")
    assert record.evidence["user_agent"] == "Mozilla/5.0 (X11)"
    assert record.evidence["category"] == "Advertising"
    assert "Web shop" in record.evidence["collection_point"]
    assert "198.51.100.7" not in str(record.evidence)


def test_ordinary_events_record_only_changes_the_preference_event_always_records(send, drain):
    for _ in range(3):
        send("track", {"userId": "u1", "event": "Page Scrolled", "context": preferences(Advertising=True)})
    drain()
    assert ConsentRecord.objects.filter(purpose__slug="advertising").count() == 1
    send(
        "track",
        {"userId": "u1", "event": "Segment Consent Preference Updated", "context": preferences(Advertising=True)},
    )
    drain()
    assert ConsentRecord.objects.filter(purpose__slug="advertising").count() == 2


def test_false_after_a_grant_is_a_withdrawal_and_the_mapping_is_case_insensitive(send, drain):
    send(
        "track",
        {
            "userId": "u1",
            "event": "Page Scrolled",
            "timestamp": "2026-05-01T10:00:00Z",
            "context": preferences(marketing=True),
        },
    )
    send(
        "track",
        {
            "userId": "u1",
            "event": "Segment Consent Preference Updated",
            "timestamp": "2026-05-01T10:05:00Z",
            "context": preferences(MARKETING=False),
        },
    )
    drain()
    assert current("u1") == {"email_marketing": "withdrawn", "sms_marketing": "withdrawn"}
    states = list(
        ConsentRecord.objects.filter(purpose__slug="email_marketing")
        .order_by("occurred_at")
        .values_list("state", flat=True)
    )
    assert states == ["granted", "withdrawn"]


def test_a_steward_mapping_makes_new_categories_count(send, drain):
    purpose_create(slug="push", name="Push notifications")
    category_mapping_add(category="Mobile Push", purpose="push")
    send("identify", {"userId": "u1", "context": preferences(**{"mobile push": True})})
    drain()
    assert current("u1") == {"push": "granted"}


def test_a_withdrawal_in_an_event_leaves_the_segment_within_the_same_batch(send, drain):
    send("track", {"userId": "u1", "event": "Signed Up", "context": preferences(Marketing=True)})
    drain()
    segment = segment_create(name="Emailable", rule={"consent": "email_marketing"})
    evaluate_segment(segment.pk)
    person = profile_of("u1")
    assert members(segment) == {person.pk}
    send(
        "track",
        {"userId": "u1", "event": "Segment Consent Preference Updated", "context": preferences(Marketing=False)},
    )
    drain()
    assert members(segment) == set()
    exit_ = MembershipChange.objects.get(segment=segment, entered=False)
    assert exit_.event_id == Event.objects.get(name="Segment Consent Preference Updated").pk
    assert exit_.cause == "event"


def test_consent_of_an_anonymous_visitor_follows_them_when_they_sign_up(send, drain):
    send("page", {"anonymousId": "a1", "name": "Home", "context": preferences(Advertising=True)})
    drain()
    send("identify", {"userId": "u1", "traits": {"email": "u1@example.com"}})
    drain()
    send("alias", {"userId": "u1", "previousId": "a1"})
    drain()
    assert current("u1") == {"advertising": "granted"}


def test_consent_in_a_batch_costs_the_same_number_of_queries_whatever_its_size(send, drain):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(n: int, prefix: str) -> int:
        for i in range(n):
            send(
                "track",
                {
                    "userId": f"{prefix}{i}",
                    "event": "Signed Up",
                    "context": preferences(Marketing=True, Analytics=False),
                },
            )
        with CaptureQueriesContext(connection) as captured:
            drain()
        assert ConsentRecord.objects.filter(profile__identities__value__startswith=prefix).count() == 3 * n
        return len(captured)

    queries_for(2, "warm")  # first batch: per-process caches
    assert queries_for(3, "small") == queries_for(30, "large")
