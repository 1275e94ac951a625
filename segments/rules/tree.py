"""The typed tree a rule parses into (segments.rules.schema.parse). Immutable; every node keeps
the JSON path it was parsed from (`at`, e.g. "$.all[1]") for explanations and error messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Union

# A comparison's value, normalised by the parser:
#   number          -> Fraction (exact)
#   string / bool   -> str / bool
#   between         -> (Fraction, Fraction)
#   in / not_in     -> tuple of str | Fraction | bool
#   before / after  -> datetime (UTC, whole seconds)
#   within_last / more_than_ago -> timedelta
#   exists / not_exists -> None
Value = Union[Fraction, str, bool, tuple, datetime, timedelta, None]  # noqa: UP007


@dataclass(frozen=True, slots=True)
class Comparison:
    """`op` applied with `value` (normalised); `raw` is the value as written in the rule."""

    op: str
    value: Value
    raw: object = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Rule, ...]
    at: str = field(default="$", compare=False)


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Rule, ...]
    at: str = field(default="$", compare=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Rule
    at: str = field(default="$", compare=False)


@dataclass(frozen=True, slots=True)
class TraitCondition:
    """A profile trait at a dotted path (`("group", "plan")`)."""

    path: tuple[str, ...]
    comparison: Comparison
    at: str = field(default="$", compare=False)


@dataclass(frozen=True, slots=True)
class MetricCondition:
    metric: str
    comparison: Comparison
    at: str = field(default="$", compare=False)


@dataclass(frozen=True, slots=True)
class PropertyFilter:
    """One `where` filter of an event condition: an event property at a dotted path."""

    path: tuple[str, ...]
    comparison: Comparison
    at: str = field(default="$", compare=False)


@dataclass(frozen=True, slots=True)
class Window:
    """Which events count: the last `last` before now, or [after, before) — always up to now."""

    last: timedelta | None = None
    after: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True, slots=True)
class Aggregate:
    """`fn` of the numeric values of `path` over the matching events, compared by `comparison`."""

    fn: str
    path: tuple[str, ...]
    comparison: Comparison


@dataclass(frozen=True, slots=True)
class EventCondition:
    """Events named `name` that pass every `where` filter inside `window`: their number compared
    by `count` (default: at least one), or an `aggregate` of one of their properties."""

    name: str
    where: tuple[PropertyFilter, ...] = ()
    window: Window | None = None
    count: Comparison | None = None
    aggregate: Aggregate | None = None
    at: str = field(default="$", compare=False)


@dataclass(frozen=True, slots=True)
class SegmentCondition:
    segment_id: int
    member: bool = True
    at: str = field(default="$", compare=False)


@dataclass(frozen=True, slots=True)
class ConsentCondition:
    purpose: str
    granted: bool = True
    at: str = field(default="$", compare=False)


Rule = Union[AllOf, AnyOf, Not, TraitCondition, MetricCondition, EventCondition, SegmentCondition, ConsentCondition]  # noqa: UP007
Condition = Union[TraitCondition, MetricCondition, EventCondition, SegmentCondition, ConsentCondition]  # noqa: UP007


def walk(rule: Rule):
    """Every node of the tree, parents before children."""
    yield rule
    if isinstance(rule, (AllOf, AnyOf)):
        for child in rule.children:
            yield from walk(child)
    elif isinstance(rule, Not):
        yield from walk(rule.child)
