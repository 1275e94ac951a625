"""explain(rule, state, now) -> which conditions held, with the values seen: the answer to "why is
this person in (or not in) this segment". Uses the predicate's own condition functions, so the
explanation's result is always the predicate's result.

Every node becomes {"node", "at" (JSON path in the rule), "result", ...}: groups add "children",
conditions add what they test and "seen" (the value read; null when missing). Every child is
evaluated (no short-circuit) so the whole tree can be shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

from segments.rules.state import ProfileState
from segments.rules.to_predicate import ConsentGranted, Resolvers, SegmentMember, compile_leaf
from segments.rules.tree import (
    AllOf,
    AnyOf,
    Comparison,
    ConsentCondition,
    EventCondition,
    MetricCondition,
    Not,
    Rule,
    SegmentCondition,
    TraitCondition,
)


def explain(
    rule: Rule,
    state: ProfileState,
    now: datetime,
    *,
    segment_member: SegmentMember | None = None,
    consent_granted: ConsentGranted | None = None,
) -> dict:
    resolvers = Resolvers(segment_member, consent_granted)
    tree = _explain(rule, state, now, resolvers)
    if state.merged:
        return {**tree, "result": False, "merged": True}
    return tree


def _explain(node: Rule, state: ProfileState, now: datetime, resolvers: Resolvers) -> dict:
    if isinstance(node, (AllOf, AnyOf)):
        children = [_explain(child, state, now, resolvers) for child in node.children]
        results = [child["result"] for child in children]
        kind = "all" if isinstance(node, AllOf) else "any"
        return {
            "node": kind,
            "at": node.at,
            "result": all(results) if kind == "all" else any(results),
            "children": children,
        }
    if isinstance(node, Not):
        child = _explain(node.child, state, now, resolvers)
        return {"node": "not", "at": node.at, "result": not child["result"], "children": [child]}
    result, seen = compile_leaf(node, resolvers)(state, now)
    return {**_describe(node), "at": node.at, "result": result, "seen": plain(seen)}


def _describe(node) -> dict:
    if isinstance(node, TraitCondition):
        return {"node": "trait", "trait": ".".join(node.path), **_comparison(node.comparison)}
    if isinstance(node, MetricCondition):
        return {"node": "metric", "metric": node.metric, **_comparison(node.comparison)}
    if isinstance(node, EventCondition):
        described = {"node": "event", "event": node.name}
        if node.aggregate is not None:
            described["aggregate"] = {
                "fn": node.aggregate.fn,
                "property": ".".join(node.aggregate.path),
                **_comparison(node.aggregate.comparison),
            }
        elif node.count is not None:
            described["count"] = _comparison(node.count)
        return described
    if isinstance(node, SegmentCondition):
        return {"node": "segment", "segment": node.segment_id, "member": node.member}
    if isinstance(node, ConsentCondition):
        return {"node": "consent", "consent": node.purpose, "granted": node.granted}
    raise TypeError(node)


def _comparison(comparison: Comparison) -> dict:
    described = {"op": comparison.op}
    if comparison.value is not None:
        described["value"] = comparison.raw
    return described


def plain(value: object) -> object:
    """A seen value as plain JSON (numbers, strings, booleans, null, lists, objects)."""
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else float(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)  # Decimal and anything else
