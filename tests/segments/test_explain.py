"""explain(): why a person is (or is not) in a segment — every condition, its result and the
value seen, in the shape a profile page can show."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from segments.rules import parse
from segments.rules.events import EventRecord
from segments.rules.explain import explain
from segments.rules.state import EventList, ProfileState, state_for_profile
from tests.segments.helpers import NOW, make_people

pytestmark = pytest.mark.embedded

RULE = {
    "all": [
        {"trait": "plan", "op": "eq", "value": "pro"},
        {"metric": "days_since_last_order", "op": "gt", "value": 180},
        {
            "any": [
                {
                    "event": "Order Completed",
                    "within": {"last": {"days": 365}},
                    "aggregate": {"fn": "sum", "property": "revenue", "op": "gte", "value": 100},
                },
                {"not": {"consent": "email_marketing"}},
            ]
        },
    ]
}


def state(**overrides) -> ProfileState:
    orders = [
        EventRecord("Order Completed", NOW - timedelta(days=200), {"revenue": 60}),
        EventRecord("Order Completed", NOW - timedelta(days=300), {"revenue": "59.99"}),
    ]
    values = {
        "traits": {"plan": "pro"},
        "metrics": {"last_order_at": NOW - timedelta(days=200), "revenue_total": Decimal("119.99"), "orders_count": 2},
        "events": EventList(orders),
        "profile_id": 1,
    }
    return ProfileState(**(values | overrides))


def test_explain_shows_every_condition_with_the_value_seen():
    tree = explain(parse(RULE), state(), NOW, consent_granted=lambda s, purpose: True)
    assert tree["result"] is True
    plan, days, either = tree["children"]
    assert plan == {
        "node": "trait",
        "trait": "plan",
        "op": "eq",
        "value": "pro",
        "at": "$.all[0]",
        "result": True,
        "seen": "pro",
    }
    assert days["seen"] == 200 and days["result"] is True
    spent, not_consented = either["children"]
    assert spent["result"] is True
    assert spent["seen"] == {"count": 2, "values": 2, "sum": pytest.approx(119.99)}
    assert spent["aggregate"] == {"fn": "sum", "property": "revenue", "op": "gte", "value": 100}
    # Every branch is explained, even after `any` is already decided.
    assert not_consented["result"] is False
    assert not_consented["children"][0] == {
        "node": "consent",
        "consent": "email_marketing",
        "granted": True,
        "at": "$.all[2].any[1].not",
        "result": True,
        "seen": True,
    }


def test_explain_says_what_was_missing_when_a_person_is_not_in():
    tree = explain(parse(RULE), state(traits={}), NOW, consent_granted=lambda s, purpose: True)
    assert tree["result"] is False
    assert tree["children"][0]["result"] is False
    assert tree["children"][0]["seen"] is None


def test_a_merged_profile_is_explained_as_never_a_member():
    tree = explain(parse(RULE), state(merged=True), NOW, consent_granted=lambda s, purpose: True)
    assert tree["result"] is False and tree["merged"] is True


@pytest.mark.django_db
def test_explain_a_stored_profile():
    labels = make_people(
        {
            "ana": {
                "traits": {"plan": "pro"},
                "events": [("track", "Order Completed", NOW - timedelta(days=3), {"revenue": 5})],
            }
        }
    )
    from profiles.models import Profile

    profile = Profile.objects.get(pk=next(iter(labels)))
    rule = parse({"event": "Order Completed", "within": {"last": {"days": 7}}, "count": {"op": "gte", "value": 2}})
    tree = explain(rule, state_for_profile(profile), NOW)
    assert tree == {
        "node": "event",
        "event": "Order Completed",
        "count": {"op": "gte", "value": 2},
        "at": "$",
        "result": False,
        "seen": {"count": 1},
    }
