"""Helpers for rule-language tests: make labelled profiles, and ask which of them a rule selects —
through both targets, which must agree (and explain must agree with the predicate)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count

from ingestion.models import Event, Source
from profiles.models import Profile
from segments.rules import parse
from segments.rules.explain import explain
from segments.rules.state import states_for_profiles
from segments.rules.to_predicate import compile_predicate
from segments.rules.to_sql import matching_profiles

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_message_ids = count()


def make_people(people: dict[str, dict]) -> dict[int, str]:
    """{label: {"traits": {...}, "events": [(type, name, timestamp, properties)], "merged": bool,
    <metric column>: value}} -> {pk: label}."""
    source, _ = Source.objects.get_or_create(name="Rule tests", defaults={"kind": "server", "write_key": "rules-key"})
    labels: dict[int, str] = {}
    survivor = None
    for label, spec in people.items():
        spec = dict(spec)
        events = spec.pop("events", [])
        merged = spec.pop("merged", False)
        profile = Profile.objects.create(traits=spec.pop("traits", {}), **spec)
        if merged:
            survivor = survivor or Profile.objects.create(traits={"survivor": True})
            Profile.objects.filter(pk=profile.pk).update(merged_into=survivor)
        for event_type, name, timestamp, properties in events:
            Event.objects.create(
                source=source,
                message_id=f"rules-{next(_message_ids)}",
                type=event_type,
                name=name,
                properties=properties,
                timestamp=timestamp,
                received_at=timestamp,
                profile=profile,
            )
        labels[profile.pk] = label
    return labels


def selected(
    rule, labels: dict[int, str], *, now: datetime = NOW, sql: dict | None = None, python: dict | None = None
) -> set[str]:
    """The labels of the profiles `rule` selects at `now`, after checking that the SQL target (both
    forms of "at least n events": grouped and probed per profile), the predicate and explain() all
    agree."""
    parsed = parse(rule)
    by_sql = {
        labels[pk]
        for pk in matching_profiles(parsed, now=now, **(sql or {})).values_list("pk", flat=True)
        if pk in labels
    }
    probed = set(matching_profiles(parsed, now=now, probe_counts=True, **(sql or {})).values_list("pk", flat=True))
    assert {labels[pk] for pk in probed if pk in labels} == by_sql, "counts probed per profile select others"
    predicate = compile_predicate(parsed, **(python or {}))
    states = states_for_profiles(Profile.objects.filter(pk__in=labels))
    by_predicate = {labels[pk] for pk, state in states.items() if predicate(state, now)}
    assert by_sql == by_predicate, f"SQL selects {sorted(by_sql)}, the predicate {sorted(by_predicate)}"
    for pk, state in states.items():
        assert explain(parsed, state, now, **(python or {}))["result"] == (labels[pk] in by_predicate)
    return by_sql
