"""What a rule depends on (for the incremental engine's dependency index) and segment-of-segment
cycle detection."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from segments.constants import DAYS_SINCE_METRICS, METRIC_COLUMNS
from segments.rules.operators import OPERATORS, Takes
from segments.rules.tree import (
    ConsentCondition,
    EventCondition,
    MetricCondition,
    Rule,
    SegmentCondition,
    TraitCondition,
    walk,
)


@dataclass
class Dependencies:
    """traits: top-level trait keys; metrics (and `metric_columns`, the stored columns they are
    read from); events: event names; segments: segment ids; consents: purposes; time: whether
    membership can change with the passage of time alone."""

    traits: set[str] = field(default_factory=set)
    metrics: set[str] = field(default_factory=set)
    metric_columns: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    segments: set[int] = field(default_factory=set)
    consents: set[str] = field(default_factory=set)
    time: bool = False


TIME_OPERATORS = ("within_last", "more_than_ago")


def dependencies(rule: Rule) -> Dependencies:
    found = Dependencies()
    for node in walk(rule):
        if isinstance(node, TraitCondition):
            found.traits.add(node.path[0])
            found.time |= node.comparison.op in TIME_OPERATORS
        elif isinstance(node, MetricCondition):
            found.metrics.add(node.metric)
            found.metric_columns.update(METRIC_COLUMNS[node.metric])
            found.time |= node.comparison.op in TIME_OPERATORS or node.metric in DAYS_SINCE_METRICS
        elif isinstance(node, EventCondition):
            found.events.add(node.name)
            found.time |= node.window is not None and node.window.last is not None
            found.time |= any(f.comparison.op in TIME_OPERATORS for f in node.where)
        elif isinstance(node, SegmentCondition):
            found.segments.add(node.segment_id)
        elif isinstance(node, ConsentCondition):
            found.consents.add(node.purpose)
    return found


def referenced_segments(rule: Rule) -> set[int]:
    return {node.segment_id for node in walk(rule) if isinstance(node, SegmentCondition)}


def trait_date_paths(rule: Rule) -> set[tuple[str, ...]]:
    """The trait paths that the rule compares as date-times (before, after, within_last,
    more_than_ago)."""
    return {
        node.path
        for node in walk(rule)
        if isinstance(node, TraitCondition) and OPERATORS[node.comparison.op].takes in (Takes.MOMENT, Takes.DURATION)
    }


def find_cycle(segment_id: int, rule: Rule, get_rule: Callable[[int], Rule | None]) -> list[int] | None:
    """If segment `segment_id` had `rule`, would segment references loop? Returns the first loop
    found as a list of ids that ends where it starts (e.g. [1, 4, 7, 1]), or None. `get_rule(id)`
    gives another segment's current rule (None for an unknown segment)."""
    path: list[int] = [segment_id]
    on_path = {segment_id}
    done: set[int] = set()

    def visit(current_rule: Rule) -> list[int] | None:
        for ref in sorted(referenced_segments(current_rule)):
            if ref in on_path:
                return [*path[path.index(ref) :], ref]
            if ref in done:
                continue
            ref_rule = get_rule(ref)
            if ref_rule is None:
                done.add(ref)
                continue
            path.append(ref)
            on_path.add(ref)
            loop = visit(ref_rule)
            if loop:
                return loop
            path.pop()
            on_path.discard(ref)
            done.add(ref)
        return None

    return visit(rule)
