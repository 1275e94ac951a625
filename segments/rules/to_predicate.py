"""Rule -> predicate(state, now) -> bool over one profile's in-memory state (the incremental
path). Every comparison goes through the operator table (operators.compiled); `now` is always given.

    predicate = compile_predicate(parse(rule_json), segment_member=..., consent_granted=...)
    predicate(state_for_profile(profile), now)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from segments.rules.errors import ResolverMissing
from segments.rules.events import EventOutcome, prepare
from segments.rules.operands import JsonReading, metric_reading
from segments.rules.operators import compiled
from segments.rules.state import ProfileState
from segments.rules.tree import (
    AllOf,
    AnyOf,
    Condition,
    ConsentCondition,
    EventCondition,
    MetricCondition,
    Not,
    Rule,
    SegmentCondition,
    TraitCondition,
)
from segments.rules.values import json_at

SegmentMember = Callable[[ProfileState, int], bool]
ConsentGranted = Callable[[ProfileState, str], bool]
# A compiled condition: (state, now) -> (holds, what was seen).
Leaf = Callable[[ProfileState, datetime], tuple[bool, object]]


@dataclass(frozen=True)
class Resolvers:
    """How segment and consent conditions are answered (the caller owns that data):
    segment_member(state, segment_id) and consent_granted(state, purpose)."""

    segment_member: SegmentMember | None = None
    consent_granted: ConsentGranted | None = None


def compile_leaf(node: Condition, resolvers: Resolvers) -> Leaf:
    """One condition as a function of (state, now): shared by the predicate and by explain."""
    if isinstance(node, TraitCondition):
        path, test = node.path, compiled(node.comparison)

        def trait(state: ProfileState, now: datetime):
            reading = JsonReading(json_at(state.traits, path))
            return test(reading, now), reading.seen

        return trait
    if isinstance(node, MetricCondition):
        name, test = node.metric, compiled(node.comparison)

        def metric(state: ProfileState, now: datetime):
            reading = metric_reading(name, state.metrics, now)
            return test(reading, now), reading.seen

        return metric
    if isinstance(node, EventCondition):
        outcome = EventOutcome(node)
        # The condition prepared for the `now` last asked (one evaluation asks thousands of
        # profiles at the same moment): (now, prepared), replaced in one assignment, so threads
        # sharing the compiled rule never see one moment's bounds under another's.
        cached: list = [(None, None)]

        def event(state: ProfileState, now: datetime):
            at, prepared = cached[0]
            if at is not now:
                prepared = prepare(node, now)
                cached[0] = (now, prepared)
            return outcome(state.events.summarize(node, now, prepared), now)

        return event
    if isinstance(node, SegmentCondition):
        member = resolvers.segment_member
        if member is None:
            raise ResolverMissing(f"{node.at}: segment conditions need a segment_member resolver")

        def segment(state: ProfileState, now: datetime):
            seen = bool(member(state, node.segment_id))
            return seen is node.member, seen

        return segment
    if isinstance(node, ConsentCondition):
        granted = resolvers.consent_granted
        if granted is None:
            raise ResolverMissing(f"{node.at}: consent conditions need a consent_granted resolver")

        def consent(state: ProfileState, now: datetime):
            seen = bool(granted(state, node.purpose))
            return seen is node.granted, seen

        return consent
    raise TypeError(f"not a condition: {node!r}")


def _cost(node: Rule) -> int:
    """A rough cost of evaluating `node`: groups try their cheap children first (all/any have no
    order of their own, so the answer is the same, only found sooner)."""
    if isinstance(node, (AllOf, AnyOf)):
        return sum(_cost(child) for child in node.children)
    if isinstance(node, Not):
        return _cost(node.child)
    if isinstance(node, EventCondition):
        return 10 + 5 * len(node.where) + (10 if node.aggregate is not None else 0)
    return 1


def _compile(node: Rule, resolvers: Resolvers) -> Callable[[ProfileState, datetime], bool]:
    if isinstance(node, AllOf):
        children = [_compile(child, resolvers) for child in sorted(node.children, key=_cost)]
        return lambda state, now: all(child(state, now) for child in children)
    if isinstance(node, AnyOf):
        children = [_compile(child, resolvers) for child in sorted(node.children, key=_cost)]
        return lambda state, now: any(child(state, now) for child in children)
    if isinstance(node, Not):
        child = _compile(node.child, resolvers)
        return lambda state, now: not child(state, now)
    leaf = compile_leaf(node, resolvers)
    return lambda state, now: leaf(state, now)[0]


class Predicate:
    """predicate(state, now) -> whether the profile is in the segment at `now`."""

    def __init__(self, rule: Rule, resolvers: Resolvers):
        self.rule = rule
        self._evaluate = _compile(rule, resolvers)

    def __call__(self, state: ProfileState, now: datetime) -> bool:
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime (UTC)")
        if state.merged:  # merged profiles are never members
            return False
        return self._evaluate(state, now)


def compile_predicate(
    rule: Rule,
    *,
    segment_member: SegmentMember | None = None,
    consent_granted: ConsentGranted | None = None,
) -> Predicate:
    """Compile once (per segment version), call for many profiles and moments."""
    return Predicate(rule, Resolvers(segment_member, consent_granted))
