"""The SQL target: groups and negation with missing values, merged profiles, the segment and
consent resolvers, counts — and (PostgreSQL) snapshots of the generated SQL and its use of the
event index."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlparse
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from profiles.models import Profile
from segments.rules import ResolverMissing, parse
from segments.rules.to_predicate import compile_predicate
from segments.rules.to_sql import count, matching_profiles, sql_text
from tests.segments.helpers import NOW, make_people, selected

SNAPSHOTS = Path(__file__).with_name("snapshots")


@pytest.mark.django_db
@pytest.mark.embedded
def test_not_and_groups_treat_missing_values_as_false_before_negating():
    labels = make_people({"pro": {"traits": {"plan": "pro"}}, "free": {"traits": {"plan": "free"}}, "none": {}})
    assert selected({"not": {"trait": "plan", "op": "eq", "value": "pro"}}, labels) == {"free", "none"}
    either = {"any": [{"trait": "plan", "op": "eq", "value": "pro"}, {"trait": "plan", "op": "not_exists"}]}
    assert selected(either, labels) == {"pro", "none"}
    assert selected({"not": {"not": {"trait": "plan", "op": "exists"}}}, labels) == {"pro", "free"}
    both = {"all": [{"trait": "plan", "op": "exists"}, {"not": {"trait": "plan", "op": "in", "value": ["pro"]}}]}
    assert selected(both, labels) == {"free"}


@pytest.mark.django_db
@pytest.mark.embedded
def test_merged_profiles_are_never_members():
    labels = make_people({"kept": {}, "merged away": {"merged": True}})
    assert selected({"trait": "plan", "op": "not_exists"}, labels) == {"kept"}
    assert count({"trait": "plan", "op": "not_exists"}, now=NOW) == 2  # kept and the survivor


@pytest.mark.django_db
@pytest.mark.embedded
def test_segment_and_consent_conditions_use_the_callers_resolvers():
    labels = make_people({"a": {"traits": {"vip": True}}, "b": {}})
    vip = Profile.objects.filter(traits__vip=True)
    sql = {
        "segment_sql": lambda segment_id: Q(Exists(vip.filter(pk=OuterRef("pk")))) if segment_id == 7 else Q(pk__in=[]),
        "consent_sql": lambda purpose: Q(pk__in=[]),
    }
    python = {
        "segment_member": lambda state, segment_id: segment_id == 7 and state.traits.get("vip") is True,
        "consent_granted": lambda state, purpose: False,
    }
    resolve = {"sql": sql, "python": python}
    assert selected({"segment": 7, "member": True}, labels, **resolve) == {"a"}
    assert selected({"segment": 7, "member": False}, labels, **resolve) == {"b"}
    assert selected({"segment": 8}, labels, **resolve) == set()
    assert selected({"segment": 8, "member": False}, labels, **resolve) == {"a", "b"}  # NOT (matches nothing)
    assert selected({"consent": "email_marketing", "granted": False}, labels, **resolve) == {"a", "b"}


@pytest.mark.django_db
@pytest.mark.embedded
def test_a_rule_with_segment_or_consent_conditions_needs_resolvers():
    rule = parse({"any": [{"trait": "plan", "op": "exists"}, {"consent": "email_marketing"}]})
    with pytest.raises(ResolverMissing, match=r"\$\.any\[1\]"):
        matching_profiles(rule, now=NOW)
    with pytest.raises(ResolverMissing):
        compile_predicate(parse({"segment": 3}))


@pytest.mark.django_db
@pytest.mark.embedded
def test_raw_json_rules_are_parsed_and_malformed_ones_rejected():
    make_people({"a": {"traits": {"plan": "pro"}}})
    assert count('{"trait": "plan", "op": "eq", "value": "pro"}', now=NOW) == 1
    with pytest.raises(ValueError, match=r"\$\.op"):
        count({"trait": "plan", "op": "is"}, now=NOW)


# --- PostgreSQL: generated SQL ---------------------------------------------------------------------

SNAPSHOT_RULES = {
    "trait_eq": {"trait": "plan", "op": "eq", "value": "pro"},
    "trait_nested_in": {"trait": "group.plan", "op": "in", "value": ["pro", "premium", 3, True]},
    "trait_number": {"trait": "age", "op": "between", "value": [18, 30.5]},
    "trait_contains_negated": {"trait": "email", "op": "not_contains", "value": "50%_off"},
    "trait_date_time": {"trait": "trial_ends_at", "op": "within_last", "value": {"days": 7}},
    "metric_days_since": {"metric": "days_since_last_order", "op": "gt", "value": 180},
    "metric_avg_order_value": {"metric": "avg_order_value", "op": "gte", "value": 50},
    "metric_moment": {"metric": "last_seen", "op": "more_than_ago", "value": {"hours": 12}},
    "event_count": {
        "event": "Order Completed",
        "where": [{"property": "category", "op": "eq", "value": "books"}],
        "within": {"last": {"days": 30}},
        "count": {"op": "gte", "value": 3},
    },
    "event_did_not": {"event": "Order Completed", "within": {"last": {"days": 30}}, "count": {"op": "eq", "value": 0}},
    "event_page_viewed": {"event": "Page Viewed", "within": {"after": "2026-01-01", "before": "2026-02-01"}},
    "event_aggregate": {
        "event": "Order Completed",
        "within": {"last": {"days": 90}},
        "aggregate": {"fn": "sum", "property": "revenue", "op": "gte", "value": 100},
    },
    "event_max_one_value_decides": {
        "event": "Order Completed",
        "aggregate": {"fn": "max", "property": "revenue", "op": "gt", "value": 150},
    },
    "cart_abandoners": {
        "all": [
            {"event": "Checkout Started", "within": {"last": {"days": 30}}, "count": {"op": "gte", "value": 2}},
            {"not": {"event": "Order Completed", "within": {"last": {"days": 30}}}},
            {"any": [{"trait": "plan", "op": "neq", "value": "premium"}, {"segment": 4}]},
        ]
    },
}


def normalized(sql: str) -> str:
    """Layout-insensitive: runs of white space are one space, none around parentheses and commas."""
    return re.sub(r"\s*([(),])\s*", r"\1", re.sub(r"\s+", " ", sql)).strip()


def snapshot_sql(rule) -> str:
    segment_sql = lambda segment_id: Q(pk__in=Profile.objects.filter(traits__segment=segment_id).values("pk"))  # noqa: E731
    queryset = matching_profiles(parse(rule), now=NOW, segment_sql=segment_sql).values("pk")
    return sql_text(queryset)


@pytest.mark.django_db
@pytest.mark.fullstack
@pytest.mark.parametrize("name", list(SNAPSHOT_RULES))
def test_generated_sql_matches_its_snapshot(name):
    """Reviewed SQL: change a snapshot on purpose with SHOAL_UPDATE_SNAPSHOTS=1 and read the diff."""
    sql = snapshot_sql(SNAPSHOT_RULES[name])
    path = SNAPSHOTS / f"{name}.sql"
    if os.environ.get("SHOAL_UPDATE_SNAPSHOTS"):
        path.write_text(sqlparse.format(sql, reindent=True) + "\n")
    assert path.exists(), f"no snapshot {path.name}; run with SHOAL_UPDATE_SNAPSHOTS=1 and review it"
    assert normalized(sql) == normalized(path.read_text())


@pytest.mark.django_db
@pytest.mark.fullstack
@pytest.mark.parametrize("name", ["event_count", "event_did_not", "event_aggregate", "cart_abandoners"])
def test_event_conditions_are_answered_from_an_index_not_a_scan_of_all_events(name):
    """On a realistic mix of events the planner reads events through an index — per profile
    ((profile, name, timestamp) or profile) or per name and time ((name, timestamp)) — never by
    scanning the events table."""
    from ingestion.models import Event, Source

    source = Source.objects.create(name="Plan test", kind="server", write_key="plan-key")
    profiles = Profile.objects.bulk_create([Profile() for _ in range(300)])
    names = ["Page Viewed", "Product Viewed", "Order Completed", "Checkout Started", "Email Opened"]
    Event.objects.bulk_create(
        Event(
            source=source,
            message_id=f"{profile.pk}-{i}",
            type="track",
            name=names[i % len(names)],
            properties={"revenue": i, "category": "books"},
            timestamp=NOW - timedelta(days=i * 7),
            received_at=NOW,
            profile=profile,
        )
        for profile in profiles
        for i in range(40)
    )
    queryset = matching_profiles(parse(SNAPSHOT_RULES[name]), now=NOW, segment_sql=lambda sid: Q(pk=sid)).values("pk")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE ingestion_event")
        cursor.execute("ANALYZE profiles_profile")
        cursor.execute("EXPLAIN " + sql_text(queryset))
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Seq Scan on ingestion_event" not in plan, plan
    # "Index Scan using <index> on ingestion_event" or "Bitmap Index Scan on <event index>"
    assert re.search(r"Index Scan (using \S+ on ingestion_event|on (event_|ingestion_event_))", plan), plan
