"""Rule -> predicate(state, now) -> bool over one profile's in-memory state (the incremental
path). Every comparison goes through the operator table (operators.compiled); `now` is always given.

    predicate = compile_predicate(parse(rule_json), segment_member=..., consent_granted=...)
    predicate(state_for_profile(profile), now)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

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
# A compiled condition for explanations: (state, now) -> (holds, what was seen).
Leaf = Callable[[ProfileState, datetime], tuple[bool, object]]


@dataclass(frozen=True)
class Resolvers:
    """How segment and consent conditions are answered (the caller owns that data):
    segment_member(state, segment_id) and consent_granted(state, purpose)."""

    segment_member: SegmentMember | None = None
    consent_granted: ConsentGranted | None = None


class CompiledCondition(NamedTuple):
    """One condition in three parts: `read(state, now)` what it looks at in a profile's state (a
    Reading, an EventSummary, a flag), `holds(read, now)` whether it holds, `seen(read)` the value
    explanations show. The predicate calls read and holds; explain calls all three, so the two
    always agree."""

    read: Callable[[ProfileState, datetime], object]
    holds: Callable[[object, datetime], bool]
    seen: Callable[[object], object]


def _seen(reading) -> object:
    return reading.seen


def _itself(value: object) -> object:
    return value


def compile_condition(node: Condition, resolvers: Resolvers) -> CompiledCondition:
    if isinstance(node, TraitCondition):
        path = node.path
        return CompiledCondition(
            lambda state, now: JsonReading(json_at(state.traits, path)), compiled(node.comparison), _seen
        )
    if isinstance(node, MetricCondition):
        name = node.metric
        return CompiledCondition(
            lambda state, now: metric_reading(name, state.metrics, now), compiled(node.comparison), _seen
        )
    if isinstance(node, EventCondition):
        outcome = EventOutcome(node)
        # The condition prepared for the `now` last asked (one evaluation asks thousands of
        # profiles at the same moment): (now, prepared), replaced in one assignment, so threads
        # sharing the compiled rule never see one moment's bounds under another's.
        cached: list = [(None, None)]

        def summary(state: ProfileState, now: datetime):
            at, prepared = cached[0]
            if at is not now:
                prepared = prepare(node, now)
                cached[0] = (now, prepared)
            return state.events.summarize(node, now, prepared)

        return CompiledCondition(summary, outcome.holds, outcome.seen)
    if isinstance(node, SegmentCondition):
        member = resolvers.segment_member
        if member is None:
            raise ResolverMissing(f"{node.at}: segment conditions need a segment_member resolver")
        segment_id, wanted = node.segment_id, node.member
        return CompiledCondition(
            lambda state, now: bool(member(state, segment_id)), lambda seen, now: seen is wanted, _itself
        )
    if isinstance(node, ConsentCondition):
        granted = resolvers.consent_granted
        if granted is None:
            raise ResolverMissing(f"{node.at}: consent conditions need a consent_granted resolver")
        purpose, wanted = node.purpose, node.granted
        return CompiledCondition(
            lambda state, now: bool(granted(state, purpose)), lambda seen, now: seen is wanted, _itself
        )
    raise TypeError(f"not a condition: {node!r}")


def compile_leaf(node: Condition, resolvers: Resolvers) -> Leaf:
    """One condition as (state, now) -> (holds, what was seen): for explanations."""
    read, holds, seen = compile_condition(node, resolvers)

    def leaf(state: ProfileState, now: datetime):
        value = read(state, now)
        return holds(value, now), seen(value)

    return leaf


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
    read, holds, _ = compile_condition(node, resolvers)
    return lambda state, now: holds(read(state, now), now)


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
