"""The two targets of the rule language mean the same thing: for random rules over random
populations, the SQL target (matching_profiles) and the in-memory predicate select exactly the same
profiles — on PostgreSQL and on SQLite — and explain() agrees with the predicate."""

from __future__ import annotations

import json
import os

import pytest
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.models import Event, Source
from profiles.models import Profile
from segments.rules import parse
from segments.rules.explain import explain
from segments.rules.state import states_for_profiles
from segments.rules.to_predicate import compile_predicate
from segments.rules.to_sql import matching_profiles, sql_text
from tests.segments.strategies import NOWS, Pools, populations, rules_for

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

MAX_EXAMPLES = int(os.environ.get("SHOAL_PARITY_EXAMPLES", "500"))


def create_population(population: list[dict], source: Source) -> list[int]:
    Event.objects.all().delete()
    Profile.objects.update(merged_into=None)
    Profile.objects.all().delete()
    created = Profile.objects.bulk_create(
        [Profile(traits=person["traits"], **person["metrics"]) for person in population]
    )
    pks = [profile.pk for profile in created]
    merged = [
        Profile(pk=pk, merged_into_id=pks[0]) for pk, person in zip(pks, population, strict=True) if person["merged"]
    ]
    Profile.objects.bulk_update(merged, ["merged_into"])
    Event.objects.bulk_create(
        [
            Event(
                source=source,
                message_id=f"m{pk}-{i}",
                type=event_type,
                name=name,
                properties=properties,
                timestamp=timestamp,
                received_at=timestamp,
                profile_id=pk,
            )
            for pk, person in zip(pks, population, strict=True)
            for i, ((event_type, name), timestamp, properties) in enumerate(person["events"])
        ]
    )
    return pks


def resolvers(pks: list[int]) -> dict:
    """Segment and consent data owned by the caller: fixed sets of profiles (one of them empty)."""
    segments = {sid: {pk for i, pk in enumerate(pks) if (i + sid) % 3 == 0 and sid != 3} for sid in (1, 2, 3)}
    consents = {"email_marketing": set(pks[::2]), "sms": set()}
    return {
        "sql": {
            "segment_sql": lambda sid: Q(pk__in=sorted(segments[sid])),
            "consent_sql": lambda purpose: Q(pk__in=sorted(consents[purpose])),
        },
        "python": {
            "segment_member": lambda state, sid: state.profile_id in segments[sid],
            "consent_granted": lambda state, purpose: state.profile_id in consents[purpose],
        },
    }


@pytest.fixture
def parity_source(db):
    return Source.objects.create(name="Parity", kind="server", write_key="parity-key")


@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,  # no example database written into the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(population=populations, now=st.sampled_from(NOWS), data=st.data())
def test_sql_and_predicate_select_the_same_profiles(parity_source, population, now, data):
    raw_rules = data.draw(
        st.lists(rules_for(Pools(population)), min_size=4, max_size=12, unique_by=json.dumps), label="rules"
    )
    pks = create_population(population, parity_source)
    resolve = resolvers(pks)
    states = states_for_profiles(Profile.objects.all())
    for raw in raw_rules:
        rule = parse(raw)
        selected = matching_profiles(rule, now=now, **resolve["sql"])
        by_sql = set(selected.values_list("pk", flat=True))
        predicate = compile_predicate(rule, **resolve["python"])
        by_predicate = {pk for pk, state in states.items() if predicate(state, now)}
        assert by_sql == by_predicate, (
            f"rule {json.dumps(raw)} at {now.isoformat()}:\n"
            f"  SQL only: {sorted(by_sql - by_predicate)}, predicate only: {sorted(by_predicate - by_sql)}\n"
            f"  SQL: {sql_text(selected)}"
        )
        probed = matching_profiles(rule, now=now, probe_counts=True, **resolve["sql"])
        assert set(probed.values_list("pk", flat=True)) == by_sql, f"probed counts: {sql_text(probed)}"
        for pk, state in states.items():
            assert explain(rule, state, now, **resolve["python"])["result"] == (pk in by_predicate)
