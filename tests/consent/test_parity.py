"""The consent condition means the same in both rule targets with real consent data: for random
consent histories, objections and marketing flags, the SQL target (engine.consent_q) and the
predicate (engine.consent_granted over loaded states) select the same profiles."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent.models import ConsentRecord, ObjectionRecord, ProfileConsent, ProfileObjection, Purpose
from consent.services import consent_record, objection_record
from profiles.models import Profile
from segments.engine import consent_granted, consent_q
from segments.rules import parse
from segments.rules.state import states_for_profiles
from segments.rules.to_predicate import compile_predicate
from segments.rules.to_sql import matching_profiles

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

EXAMPLES = max(20, int(os.environ.get("SHOAL_PARITY_EXAMPLES", "500")) // 10)
PURPOSES = ["email_marketing", "analytics", "sms_marketing"]
NOW = datetime(2026, 6, 1, tzinfo=UTC)

statements = st.lists(
    st.tuples(
        st.integers(0, 2),  # profile index
        st.sampled_from(PURPOSES),
        st.sampled_from(["granted", "granted", "denied", "withdrawn"]),
        st.integers(0, 5),  # minutes after the start: ties and out-of-order arrival
    ),
    max_size=12,
)
objections = st.lists(st.tuples(st.integers(0, 2), st.sampled_from([True, True, False]), st.integers(0, 5)), max_size=3)
leaves = st.builds(
    lambda p, g: {"consent": p, "granted": g}, st.sampled_from([*PURPOSES, "unknown_purpose"]), st.booleans()
)
rules = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda c: {"not": c}, children),
    ),
    max_leaves=4,
)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(statements=statements, objections=objections, rule=rules, sms_is_marketing=st.booleans())
def test_consent_conditions_agree_in_both_targets(db, statements, objections, rule, sms_is_marketing):
    ProfileConsent.objects.all().delete()
    ProfileObjection.objects.all().delete()
    ConsentRecord.objects.all().delete()
    ObjectionRecord.objects.all().delete()
    Profile.objects.all().delete()
    Purpose.objects.filter(slug="sms_marketing").update(is_marketing=sms_is_marketing)
    people = [Profile.objects.create() for _ in range(3)]
    start = NOW - timedelta(days=1)
    for index, purpose, state, minutes in statements:
        consent_record(
            profile=people[index],
            purpose=purpose,
            state=state,
            source="api",
            occurred_at=start + timedelta(minutes=minutes),
        )
    for index, objected, minutes in objections:
        objection_record(
            profile=people[index], objected=objected, source="api", occurred_at=start + timedelta(minutes=minutes)
        )
    parsed = parse(rule)
    sql = set(matching_profiles(parsed, now=NOW, consent_sql=consent_q).values_list("pk", flat=True))
    predicate = compile_predicate(parsed, segment_member=lambda s, i: False, consent_granted=consent_granted)
    states = states_for_profiles(Profile.objects.all())
    python = {pk for pk, state in states.items() if predicate(state, NOW)}
    assert sql == python, rule
