"""What a rule depends on, and segment-of-segment cycles."""

from __future__ import annotations

import pytest

from segments.rules import parse
from segments.rules.dependencies import dependencies, find_cycle, referenced_segments

pytestmark = pytest.mark.embedded


def test_dependencies_name_what_can_change_a_rules_outcome():
    rule = parse(
        {
            "all": [
                {"trait": "group.plan", "op": "eq", "value": "pro"},
                {"metric": "days_since_last_order", "op": "lt", "value": 30},
                {"event": "Order Completed", "where": [{"property": "category", "op": "eq", "value": "books"}]},
                {"any": [{"segment": 4}, {"not": {"segment": 9, "member": False}}]},
                {"consent": "email_marketing"},
            ]
        }
    )
    found = dependencies(rule)
    assert found.traits == {"group"}
    assert found.metrics == {"days_since_last_order"}
    assert found.events == {"Order Completed"}
    assert found.segments == {4, 9} == referenced_segments(rule)
    assert found.consents == {"email_marketing"}
    assert found.time is True  # days since grows on its own


@pytest.mark.parametrize(
    ("rule", "time"),
    [
        ({"trait": "plan", "op": "eq", "value": "pro"}, False),
        ({"trait": "signup", "op": "within_last", "value": {"days": 7}}, True),
        ({"event": "Signed Up", "within": {"last": {"hours": 1}}}, True),
        ({"event": "Signed Up", "within": {"after": "2026-01-01"}}, False),
        ({"metric": "orders_count", "op": "gt", "value": 1}, False),
        ({"metric": "last_seen", "op": "more_than_ago", "value": {"days": 30}}, True),
    ],
)
def test_rules_that_change_with_the_passage_of_time_are_flagged(rule, time):
    assert dependencies(parse(rule)).time is time


def test_find_cycle_reports_the_loop_through_other_segments():
    rules = {
        2: parse({"segment": 3}),
        3: parse({"all": [{"segment": 4}, {"segment": 1, "member": False}]}),
        4: parse({"trait": "plan", "op": "exists"}),
    }
    assert find_cycle(1, parse({"segment": 2}), rules.get) == [1, 2, 3, 1]
    assert find_cycle(5, parse({"segment": 2}), rules.get) is None  # 2 -> 3 -> 1, and 1 is unknown
    assert find_cycle(1, parse({"segment": 1}), rules.get) == [1, 1]
    assert find_cycle(1, parse({"segment": 4}), rules.get) is None
    assert find_cycle(7, parse({"segment": 99}), rules.get) is None  # unknown segments end the walk


def test_find_cycle_finds_a_loop_between_other_segments_too():
    rules = {2: parse({"segment": 3}), 3: parse({"segment": 2})}
    assert find_cycle(1, parse({"segment": 2}), rules.get) == [2, 3, 2]
