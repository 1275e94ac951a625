"""parse(): every malformed rule is rejected with the JSON path of the bad node — never silently
matching everyone — and the published JSON Schema agrees with the parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from segments.constants import AGGREGATE_FUNCTIONS, METRICS, NODE_KEYS
from segments.rules import RuleError, json_schema, parse
from segments.rules.operators import NUMERIC_OPERATORS, OPERATORS
from segments.rules.tree import AllOf, Comparison, EventCondition, Not, TraitCondition
from tests.segments.strategies import Pools, populations, rules_for

pytestmark = pytest.mark.embedded

ROOT = Path(__file__).resolve().parents[2]
TRAIT = {"trait": "plan", "op": "eq", "value": "pro"}


def deep(levels: int) -> dict:
    rule = TRAIT
    for _ in range(levels):
        rule = {"not": rule}
    return rule


MALFORMED = [
    # (rule, path of the bad node, words of the message, rejected by the JSON Schema alone too)
    ("{", "$", "not valid JSON", False),
    ([], "$", "JSON object", True),
    ({}, "$", "needs one of", True),
    ({"trait": "plan", "metric": "orders_count", "op": "exists"}, "$", "exactly one", True),
    ({"all": []}, "$.all", "empty group", True),
    ({"any": TRAIT}, "$.any", "list", True),
    ({"all": [TRAIT, {"trait": "plan", "op": "is", "value": 1}]}, "$.all[1].op", "unknown operator", True),
    ({"trait": "plan", "op": "eq"}, "$", "needs a value", True),
    ({"trait": "plan", "op": "eq", "value": None}, "$.value", "exists", True),
    ({"trait": "plan", "op": "eq", "value": {"a": 1}}, "$.value", "number", True),
    ({"trait": "plan", "op": "exists", "value": True}, "$.value", "takes no value", True),
    ({"trait": "plan", "op": "exists", "extra": 1}, "$.extra", "unknown key", True),
    ({"trait": "a..b", "op": "exists"}, "$.trait", "dot-separated", True),
    ({"trait": 'say "hi"', "op": "exists"}, "$.trait", "dot-separated", True),
    ({"trait": "age", "op": "gt", "value": "30"}, "$.value", "number", True),
    ({"trait": "age", "op": "gt", "value": True}, "$.value", "number", True),
    ({"trait": "age", "op": "between", "value": [40, 18]}, "$.value", "low must not be greater", False),
    ({"trait": "age", "op": "between", "value": [18]}, "$.value", "two numbers", True),
    ({"trait": "age", "op": "gt", "value": 1234567890.1234567}, "$.value", "significant digits", False),
    ('{"trait": "age", "op": "gt", "value": 1e400}', "$.value", "finite", False),
    ({"trait": "plan", "op": "in", "value": []}, "$.value", "non-empty list", True),
    ({"trait": "plan", "op": "in", "value": ["pro", None]}, "$.value[1]", "exists", True),
    ({"trait": "email", "op": "contains", "value": ""}, "$.value", "non-empty string", True),
    ({"trait": "signup", "op": "before", "value": "2025-02-29"}, "$.value", "calendar date", False),
    ({"trait": "signup", "op": "after", "value": "yesterday"}, "$.value", "date-time", True),
    ({"trait": "signup", "op": "within_last", "value": {"weeks": 2}}, "$.value", "duration", True),
    ({"trait": "signup", "op": "within_last", "value": {"days": 0}}, "$.value.days", ">= 1", True),
    ({"trait": "signup", "op": "within_last", "value": {"days": 1.5}}, "$.value.days", "whole number", True),
    ({"trait": "signup", "op": "within_last", "value": {"days": 40000}}, "$.value.days", "100 years", True),
    ({"metric": "lifetime_value", "op": "gt", "value": 1}, "$.metric", "unknown metric", True),
    ({"metric": "days_since_last_order", "op": "contains", "value": "1"}, "$.op", "is a number", True),
    ({"metric": "last_seen", "op": "gt", "value": 1}, "$.op", "is a moment", True),
    ({"metric": "rfm_class", "op": "eq", "value": 5}, "$.value", "strings", True),
    ({"metric": "orders_count", "op": "in", "value": [1, "2"]}, "$.value", "numbers", True),
    ({"event": ""}, "$.event", "non-empty", True),
    ({"event": "Order Completed", "count": {"op": "gte", "value": 1}, "aggregate": {}}, "$", "not both", True),
    ({"any": [{"event": "Order Completed", "count": {"op": "most", "value": 1}}]}, "$.any[0].count.op", "one of", True),
    ({"event": "Order Completed", "count": {"op": "gte", "value": -1}}, "$.count.value", "whole numbers", True),
    ({"event": "Order Completed", "count": {"op": "gte", "value": 1.5}}, "$.count.value", "whole numbers", True),
    ({"event": "Order Completed", "count": {"op": "gte"}}, "$.count", "missing 'value'", True),
    (
        {"event": "Order Completed", "aggregate": {"fn": "median", "property": "revenue", "op": "gt", "value": 1}},
        "$.aggregate.fn",
        "one of",
        True,
    ),
    (
        {"event": "Order Completed", "aggregate": {"fn": "sum", "property": "revenue", "op": "contains", "value": "1"}},
        "$.aggregate.op",
        "one of",
        True,
    ),
    (
        {"event": "Order Completed", "within": {"last": {"days": 1}, "after": "2026-01-01"}},
        "$.within.after",
        "unknown key",
        True,
    ),
    ({"event": "Order Completed", "within": {}}, "$.within", "window", True),
    (
        {"event": "Order Completed", "within": {"after": "2026-02-01", "before": "2026-01-01"}},
        "$.within",
        "earlier",
        False,
    ),
    ({"event": "Order Completed", "where": {"property": "a"}}, "$.where", "list", True),
    (
        {"event": "Order Completed", "where": [{"property": "category", "value": "books"}]},
        "$.where[0]",
        "missing 'op'",
        True,
    ),
    (
        {"event": "Order Completed", "where": [{"property": "category", "op": "gt", "value": "x"}]},
        "$.where[0].value",
        "number",
        True,
    ),
    ({"segment": 0}, "$.segment", "positive integer", True),
    ({"segment": "4"}, "$.segment", "positive integer", True),
    ({"segment": True}, "$.segment", "positive integer", True),
    ({"segment": 4, "member": "yes"}, "$.member", "true or false", True),
    ({"consent": "Email Marketing"}, "$.consent", "slug", True),
    ({"consent": "email_marketing", "granted": 1}, "$.granted", "true or false", True),
    (deep(12), "$" + ".not" * 12, "levels deep", False),
    ({"any": [TRAIT] * 400}, "$.any[299]", "at most 300 nodes", False),
]


@pytest.mark.parametrize(("rule", "path", "words", "_schema"), MALFORMED)
def test_malformed_rules_are_rejected_with_the_path_of_the_bad_node(rule, path, words, _schema):
    with pytest.raises(RuleError) as caught:
        parse(rule)
    assert caught.value.path == path
    assert words in caught.value.message
    assert caught.value.as_dict() == {"path": path, "message": caught.value.message}


@pytest.mark.parametrize(("rule", "path", "words"), [(r, p, w) for r, p, w, schema in MALFORMED if schema])
def test_the_json_schema_alone_rejects_the_structural_errors_too(rule, path, words):
    assert list(Draft202012Validator(json_schema()).iter_errors(rule)), "the schema accepted a malformed rule"


def test_a_rule_is_parsed_into_a_typed_tree_with_paths():
    rule = parse(
        {
            "all": [
                {"trait": "group.plan", "op": "in", "value": ["pro", 3, True]},
                {"not": {"event": "Order Completed", "within": {"last": {"days": 30}}}},
            ]
        }
    )
    assert isinstance(rule, AllOf)
    trait, negated = rule.children
    assert trait == TraitCondition(("group", "plan"), Comparison("in", ("pro", 3, True)))
    assert trait.at == "$.all[0]"
    assert isinstance(negated, Not) and isinstance(negated.child, EventCondition)
    assert negated.child.window.last.days == 30 and negated.child.at == "$.all[1].not"


def test_json_strings_and_limits_that_are_allowed():
    assert parse(json.dumps(TRAIT)) == parse(TRAIT)
    parse(deep(11))  # 12 levels
    parse({"any": [TRAIT] * 299})  # 300 nodes
    parse({"trait": "signup", "op": "within_last", "value": {"days": 30.0}})  # JSON Schema's integer


def test_the_schema_is_valid_and_published_in_the_docs():
    Draft202012Validator.check_schema(json_schema())
    assert json.loads((ROOT / "docs" / "rule.schema.json").read_text()) == json_schema()


def test_the_schema_names_exactly_the_languages_operators_metrics_and_nodes():
    defs = json_schema()["$defs"]
    assert defs["trait"]["properties"]["op"]["enum"] == list(OPERATORS)
    assert defs["property_filter"]["properties"]["op"]["enum"] == list(OPERATORS)
    assert defs["metric"]["properties"]["metric"]["enum"] == list(METRICS)
    assert defs["count"]["properties"]["op"]["enum"] == list(NUMERIC_OPERATORS)
    assert defs["aggregate"]["properties"]["fn"]["enum"] == list(AGGREGATE_FUNCTIONS)
    assert [branch["required"][0] for branch in defs["rule"]["anyOf"]] == list(NODE_KEYS)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(population=populations, data=st.data())
def test_every_generated_rule_is_valid_for_the_parser_and_the_schema(population, data):
    rule = data.draw(rules_for(Pools(population)))
    parse(rule)
    assert not list(Draft202012Validator(json_schema()).iter_errors(rule))
