"""Time passing flips memberships without events: the crossing finder never misses a profile
whose membership time alone changed (property-based, both databases), and the sweep writes the
flips with cause `time` — end to end through the tracking API and a websocket client."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import datetime, timedelta

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdp.asgi import application
from ingestion.models import Event
from profiles.models import Identity, Profile
from segments.engine import evaluate_segment, time_sweep
from segments.models import Membership, MembershipChange, Segment
from segments.rules import parse
from segments.rules.crossings import crossing_profiles
from segments.rules.state import states_for_profiles
from segments.rules.to_predicate import compile_predicate
from segments.services import segment_create
from tests.segments.strategies import NOW, Pools, populations, rules_for
from tests.segments.test_parity import create_population, parity_source, resolvers  # noqa: F401

MAX_EXAMPLES = int(os.environ.get("SHOAL_TIME_EXAMPLES", "100"))

# From a few seconds to a few months: crossings of minute, hour and day windows and day counts.
LATER = st.one_of(
    st.integers(1, 120).map(lambda s: timedelta(seconds=s)),
    st.integers(1, 48 * 60).map(lambda m: timedelta(minutes=m)),
    st.integers(1, 400).map(lambda d: timedelta(days=d, seconds=17)),
)


@pytest.mark.django_db
@pytest.mark.embedded
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(population=populations, later=LATER, data=st.data())
def test_every_profile_whose_membership_time_changes_is_a_crossing_candidate(parity_source, population, later, data):  # noqa: F811
    raw_rules = data.draw(st.lists(rules_for(Pools(population)), min_size=4, max_size=10, unique_by=json.dumps))
    pks = create_population(population, parity_source)
    # Stored events arrived when they were stamped, or (stamped in the future) by NOW.
    Event.objects.filter(timestamp__gt=NOW).update(received_at=NOW)
    # A metric's moment is the time of one of the profile's events (the pipeline sets it from
    # them), so one in the future came from an event stamped in the future, which arrived by NOW.
    Event.objects.bulk_create(
        Event(
            source=parity_source,
            message_id=f"moment-{profile.pk}-{column}",
            type="track",
            name="Moment Source",
            timestamp=getattr(profile, column),
            received_at=NOW,
            profile=profile,
        )
        for profile in Profile.objects.all()
        for column in ("first_seen", "last_seen", "first_order_at", "last_order_at")
        if getattr(profile, column) is not None and getattr(profile, column) > NOW
    )
    resolve = resolvers(pks)
    states = states_for_profiles(Profile.objects.all())
    since, until = NOW, NOW + later
    for raw in raw_rules:
        rule = parse(raw)
        predicate = compile_predicate(rule, **resolve["python"])
        flipped = {pk for pk, state in states.items() if predicate(state, since) != predicate(state, until)}
        candidates = crossing_profiles(rule, since, until)
        assert flipped <= candidates, (
            f"rule {json.dumps(raw)} from {since.isoformat()} to {until.isoformat()}: "
            f"missed {sorted(flipped - candidates)}"
        )


@pytest.mark.django_db
@pytest.mark.embedded
def test_a_moment_set_in_the_future_is_found_when_it_comes_and_just_seen_people_are_left_alone(parity_source):  # noqa: F811
    """last_seen is in the future only when an event stamped in the future set it: that event
    finds the profile when the moment comes. People seen during the band (last_seen in it, but
    present when the pipeline evaluated them) are not candidates: at 1,000 events/s they were
    every sweep's ten thousand needless re-evaluations."""
    ahead = _person(last_seen=NOW + timedelta(seconds=5))
    just_seen = _person(last_seen=NOW + timedelta(seconds=3))
    for profile, received in ((ahead, NOW), (just_seen, NOW + timedelta(seconds=3))):
        Event.objects.create(
            source=parity_source,
            message_id=f"seen-{profile.pk}",
            type="track",
            name="Signed In",
            timestamp=profile.last_seen,
            received_at=received,
            profile=profile,
        )
    states = states_for_profiles(Profile.objects.all())
    for raw in (
        {"metric": "last_seen", "op": "within_last", "value": {"days": 7}},
        {"metric": "days_since_last_seen", "op": "gte", "value": 0},
    ):
        rule = parse(raw)
        predicate = compile_predicate(rule)
        assert [predicate(states[ahead.pk], moment) for moment in (NOW, NOW + timedelta(seconds=10))] == [False, True]
        assert crossing_profiles(rule, NOW, NOW + timedelta(seconds=10)) == {ahead.pk}, raw


def _person(*, last_seen: datetime, **fields) -> Profile:
    return Profile.objects.create(first_seen=last_seen, last_seen=last_seen, **fields)


def _segment(name: str, rule: dict) -> Segment:
    segment = segment_create(name=name, rule=rule)
    evaluate_segment(segment.pk)
    return segment


@pytest.mark.django_db
@pytest.mark.embedded
def test_the_sweep_flips_lapsed_people_out_with_cause_time_and_looks_at_nobody_else():
    now = timezone.now()
    lapsing = _person(last_seen=now - timedelta(days=13, hours=23, minutes=59))
    active = _person(last_seen=now - timedelta(days=2))
    gone = _person(last_seen=now - timedelta(days=40))
    segment = _segment("Active in 14 days", {"metric": "last_seen", "op": "within_last", "value": {"days": 14}})
    assert set(Membership.objects.filter(segment=segment).values_list("profile_id", flat=True)) == {
        lapsing.pk,
        active.pk,
    }
    segment.refresh_from_db()
    assert segment.time_swept_at is not None

    # Two minutes later the lapsing person has crossed 14 days; nobody else may be evaluated.
    later = segment.time_swept_at + timedelta(minutes=2)
    candidates = crossing_profiles(parse(segment.rule), segment.time_swept_at, later)
    assert candidates == {lapsing.pk}
    assert time_sweep(now=later) == 1

    assert set(Membership.objects.filter(segment=segment).values_list("profile_id", flat=True)) == {active.pk}
    exit_row = MembershipChange.objects.get(segment=segment, profile=lapsing, entered=False)
    assert exit_row.cause == MembershipChange.Cause.TIME and exit_row.at == later
    segment.refresh_from_db()
    assert segment.time_swept_at == later and segment.member_count == 1
    assert gone.pk not in candidates
    # Sweeping the same moment again changes nothing and writes nothing.
    assert time_sweep(now=later) == 0
    assert MembershipChange.objects.filter(segment=segment, cause=MembershipChange.Cause.TIME).count() == 1


@pytest.mark.django_db
@pytest.mark.embedded
def test_a_segment_built_on_a_time_relative_segment_follows_it():
    now = timezone.now()
    buyer = _person(last_seen=now, traits={"plan": "pro"}, last_order_at=now - timedelta(days=29, hours=23))
    recent = _segment("Bought in 30 days", {"metric": "days_since_last_order", "op": "lt", "value": 30})
    pro_recent = _segment(
        "Pro recent buyers",
        {"all": [{"trait": "plan", "op": "eq", "value": "pro"}, {"segment": recent.pk, "member": True}]},
    )
    assert Membership.objects.filter(profile=buyer).count() == 2
    time_sweep(now=now + timedelta(hours=2))
    assert not Membership.objects.filter(profile=buyer).exists()
    causes = set(MembershipChange.objects.filter(profile=buyer, entered=False).values_list("segment_id", "cause"))
    assert causes == {(recent.pk, "time"), (pro_recent.pk, "time")}


HEADERS = [(b"origin", b"http://127.0.0.1:8000"), (b"host", b"127.0.0.1:8000")]


@pytest.mark.embedded
@pytest.mark.django_db(transaction=True)
async def test_a_window_expiring_reaches_a_websocket_client_through_the_sweep(make_user, session_cookie, send, drain):
    """An Order Completed sent through the tracking API enters "ordered in the last minute"; when
    the minute is over, the beat task flips the person out (cause `time`) and a signed-in websocket
    client of the segment hears it."""
    segment = await database_sync_to_async(_segment)(
        "Ordered in the last minute", {"event": "Order Completed", "within": {"last": {"minutes": 1}}}
    )
    ordered_at = timezone.now() - timedelta(seconds=57)
    response = await database_sync_to_async(send)(
        "track", {"userId": "u-time", "event": "Order Completed", "timestamp": ordered_at.isoformat()}
    )
    assert response.status_code == 200
    await database_sync_to_async(drain)()
    profile_id = await database_sync_to_async(lambda: Identity.objects.get(kind="user_id", value="u-time").profile_id)()
    assert await database_sync_to_async(Membership.objects.filter(segment=segment, profile_id=profile_id).exists)()

    user = await database_sync_to_async(make_user)("marketer")
    cookie = await database_sync_to_async(session_cookie)(user)
    client = WebsocketCommunicator(
        application, f"/ws/segments/{segment.pk}/", headers=[*HEADERS, (b"cookie", cookie.encode())]
    )
    assert (await client.connect())[0]
    # When the minute is over, the beat task runs the way a worker runs it.
    await asyncio.sleep(max(0.0, (ordered_at + timedelta(minutes=1, seconds=1) - timezone.now()).total_seconds()))
    from segments.tasks import time_sweep as task

    await database_sync_to_async(task.apply)()
    message = await client.receive_json_from(timeout=10)
    assert (message["profile_id"], message["change"], message["cause"]) == (profile_id, "exited", "time")
    await client.disconnect()
    assert not await database_sync_to_async(Membership.objects.filter(segment=segment, profile_id=profile_id).exists)()


def test_the_sweep_is_on_the_beat_schedule():
    from django.conf import settings as django_settings

    entry = django_settings.CELERY_BEAT_SCHEDULE["sweep-segment-time"]
    assert entry["task"] == "segments.time_sweep" and 1 <= entry["schedule"] <= 60


@pytest.mark.django_db
@pytest.mark.embedded
def test_an_rfm_rerank_moves_people_between_rfm_segments():
    now = timezone.now()
    people = [
        _person(last_seen=now, orders_count=n, revenue_total=10 * n, last_order_at=now - timedelta(days=n))
        for n in range(1, 11)
    ]
    from profiles.metrics import rfm_rerank

    rfm_rerank()
    best = Profile.objects.get(pk=people[-1].pk)  # most orders and revenue, but the oldest order
    segment = _segment("Same class as the best", {"metric": "rfm_class", "op": "eq", "value": best.rfm_class})
    before = set(Membership.objects.filter(segment=segment).values_list("profile_id", flat=True))
    assert best.pk in before

    # The best customer's last order ages by a year: re-ranked, they leave the class (cause time).
    Profile.objects.filter(pk=best.pk).update(last_order_at=now - timedelta(days=400), orders_count=1, revenue_total=1)
    assert rfm_rerank() >= 1
    assert not Membership.objects.filter(segment=segment, profile_id=best.pk).exists()
    assert MembershipChange.objects.get(segment=segment, profile_id=best.pk, entered=False).cause == "time"
