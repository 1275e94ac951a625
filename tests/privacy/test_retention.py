"""Event retention: old raw events go, aggregates stay; the steward is warned about segments that
look further back than the retention."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ingestion.models import Event
from privacy import services
from privacy.selectors import segments_outliving_retention
from privacy.services import RequestError
from profiles.models import Identity, ProfileEventDay, TraitChange
from segments.services import segment_create

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def iso(days_ago: int) -> str:
    return (timezone.now() - timedelta(days=days_ago)).isoformat()


def test_old_events_are_deleted_in_chunks_and_aggregates_are_kept(send, drain, make_user):
    send("identify", {"userId": "ret-1", "traits": {"plan": "gold"}, "timestamp": iso(300)})
    for days_ago in (400, 200, 100, 5, 1):
        send(
            "track",
            {"userId": "ret-1", "event": "Order Completed", "properties": {"revenue": 10}, "timestamp": iso(days_ago)},
        )
    drain()
    profile = Identity.objects.get(value="ret-1").profile
    assert (profile.orders_count, profile.events_count) == (5, 6)
    rollups_before = list(ProfileEventDay.objects.filter(profile=profile).values_list("day", "count"))

    assert services.retention_apply() == 0  # no policy: keep forever
    services.retention_set(days=90, actor=make_user("steward"))
    assert services.retention_apply(chunk=2) == 4

    remaining = sorted(Event.objects.filter(user_id="ret-1").values_list("timestamp", flat=True))
    assert len(remaining) == 2
    assert all(ts > timezone.now() - timedelta(days=90) for ts in remaining)
    profile.refresh_from_db()
    assert (profile.orders_count, profile.events_count, profile.revenue_total) == (5, 6, 50)
    # The trait history stays; it no longer points at the deleted identify event.
    change = TraitChange.objects.get(profile=profile, key="plan")
    assert change.new_value == "gold" and change.event_id is None
    assert list(ProfileEventDay.objects.filter(profile=profile).values_list("day", "count")) == rollups_before
    policy = services.retention_policy()
    assert policy.last_run_deleted == 4 and policy.last_run_at is not None


def test_unprocessed_events_are_never_deleted_by_retention(send):
    send("track", {"userId": "ret-2", "event": "Old", "timestamp": iso(500)})
    services.retention_set(days=30)
    assert services.retention_apply() == 0
    assert Event.objects.filter(user_id="ret-2").exists()


def test_retention_bounds():
    with pytest.raises(RequestError):
        services.retention_set(days=0)
    assert services.retention_set(days=None).event_retention_days is None


def test_segments_looking_further_back_than_the_retention_are_listed():
    segment_create(name="Ever bought", rule={"event": "Order Completed"})
    segment_create(name="Bought this year", rule={"event": "Order Completed", "within": {"last": {"days": 365}}})
    segment_create(name="Recent", rule={"event": "Order Completed", "within": {"last": {"days": 30}}})
    segment_create(name="Pro", rule={"trait": "plan", "op": "eq", "value": "pro"})
    found = {item["segment"].name: item["reason"] for item in segments_outliving_retention(90)}
    assert found == {
        "Ever bought": '"Order Completed" is counted over all time',
        "Bought this year": '"Order Completed" looks back 365 days',
    }
    assert segments_outliving_retention(None) == []
