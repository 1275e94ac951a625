"""Event conditions: which events match (name, window, property filters) and what is counted or
aggregated — the Python form over a profile's event records and the SQL form over the `events`
table, side by side. Counts and aggregates are then compared by the operator table.

* Names are those of the daily rollups: `track` events by name; `page` / `screen` calls as
  "Page Viewed" / "Screen Viewed" (ingestion.constants.VIEW_EVENT_NAMES, stored as Event.known_as).
* Only events that happened by `now` count (timestamp <= now), so evaluating at a past moment
  ignores later events. `last` windows are [now - duration, now]; absolute windows are
  [after, before) (after included, before excluded).
* Default count: at least once. `{"op": "eq", "value": 0}`: never (in the window).
* Aggregates read the numbers of a property (numeric strings too; anything else is skipped),
  each rounded to 4 decimal places. sum over no values is 0; avg, min and max over no values are
  missing, so every positive comparison with them is false.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import NamedTuple

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery

from segments.constants import AGGREGATE_DECIMALS
from segments.rules.operands import COMPARE, JsonReading, JsonSubject, NumberReading, Subject
from segments.rules.operators import compiled, condition
from segments.rules.sql_expressions import InGroupedEvents, Rendered, number_param
from segments.rules.tree import Comparison, EventCondition
from segments.rules.values import AGGREGATE_SCALE, JsonRef, Sql, aggregate_value, join, json_at, number_sql, sql

AT_LEAST_ONCE = Comparison("gte", Fraction(1), raw=1)


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event of a profile, as the Python target sees it."""

    name: str  # ingestion.models.event_known_as(type, name)
    timestamp: datetime
    properties: dict


@dataclass(frozen=True, slots=True)
class EventSummary:
    """What an event condition needs to know about a profile's events: how many match, and the
    aggregated property's values among them (rounded; only when the condition aggregates)."""

    count: int
    values: tuple[Fraction, ...] = ()


# --- Python form ------------------------------------------------------------------------------------


def window_bounds(node: EventCondition, now: datetime) -> tuple[datetime | None, datetime | None]:
    """(earliest counted moment, first moment not counted) of the condition's window at `now`;
    None: unbounded on that side (an event after `now` never counts either)."""
    window = node.window
    if window is None:
        return None, None
    bounds = [b for b in (now - window.last if window.last is not None else None, window.after) if b is not None]
    return (max(bounds) if bounds else None), window.before


class Prepared(NamedTuple):
    """An event condition made ready for one moment: its window's bounds then (window_bounds)
    and its property filters' tests, compiled once (operators.compiled) for the many profiles and
    records one evaluation looks at."""

    earliest: datetime | None
    before: datetime | None
    where: tuple[tuple[tuple[str, ...], Callable], ...]


def prepare(node: EventCondition, now: datetime) -> Prepared:
    earliest, before = window_bounds(node, now)
    return Prepared(earliest, before, tuple((f.path, compiled(f.comparison)) for f in node.where))


def _counted(record: EventRecord, now: datetime, earliest: datetime | None, before: datetime | None, where) -> bool:
    timestamp = record.timestamp
    if timestamp > now or (earliest is not None and timestamp < earliest):
        return False
    if before is not None and timestamp >= before:
        return False
    return all(test(JsonReading(json_at(record.properties, path)), now) for path, test in where)


def summarize_records(
    node: EventCondition,
    records: Sequence[EventRecord],
    now: datetime,
    prepared: Prepared,
    values: Sequence[Fraction | None] | None = None,
) -> EventSummary:
    """`prepared`: prepare(node, now) (once per moment, not per profile or record); `values`: the
    records' aggregated property values, already read (aligned with `records`)."""
    earliest, before, where = prepared
    name = node.name
    if node.aggregate is None and not node.where:  # a plain count: the common case, kept tight
        return EventSummary(
            sum(
                1
                for record in records
                if record.name == name
                and record.timestamp <= now
                and (earliest is None or record.timestamp >= earliest)
                and (before is None or record.timestamp < before)
            )
        )
    matching = [
        i for i, record in enumerate(records) if record.name == name and _counted(record, now, earliest, before, where)
    ]
    found: tuple[Fraction, ...] = ()
    if node.aggregate is not None:
        if values is None:
            values = aggregate_values(records, node.aggregate.path)
        found = tuple(value for value in (values[i] for i in matching) if value is not None)
    return EventSummary(len(matching), found)


def aggregate_values(records: Sequence[EventRecord], path: tuple[str, ...]) -> list[Fraction | None]:
    return [aggregate_value(json_at(record.properties, path)) for record in records]


class EventOutcome:
    """What an event condition concludes from a profile's EventSummary: `holds(summary, now)`,
    whether the condition holds (its comparison prepared once, operators.compiled), and
    `seen(summary)`, what explanations show. The predicate asks only the first."""

    def __init__(self, node: EventCondition):
        self.aggregate = node.aggregate
        self.test = compiled((node.count or AT_LEAST_ONCE) if node.aggregate is None else node.aggregate.comparison)

    def value(self, summary: EventSummary) -> int | Fraction | None:
        """The number compared: the count, or the aggregate (None: avg/min/max of no values)."""
        if self.aggregate is None:
            return summary.count
        fn, values = self.aggregate.fn, summary.values
        if fn == "sum":
            return sum(values, Fraction(0))
        if not values:
            return None
        if fn == "avg":
            return sum(values, Fraction(0)) / len(values)
        return min(values) if fn == "min" else max(values)

    def holds(self, summary: EventSummary, now: datetime) -> bool:
        return self.test(NumberReading(self.value(summary)), now)

    def seen(self, summary: EventSummary) -> dict:
        if self.aggregate is None:
            return {"count": summary.count}
        result = self.value(summary)
        return {
            "count": summary.count,
            "values": len(summary.values),
            self.aggregate.fn: None if result is None else float(result),
        }


# --- SQL form ---------------------------------------------------------------------------------------


def _holds_for_none(comparisons, value_of_none) -> bool:
    """Whether the comparisons hold for a profile without matching events (count 0, sum 0)."""
    return value_of_none is not None and all(COMPARE[op](value_of_none, bound) for op, bound in comparisons)


@dataclass(frozen=True)
class CountTest:
    """COUNT(*) op bound, for each comparison (a HAVING clause)."""

    comparisons: tuple

    def render(self, vendor: str, value: Sql) -> Sql:
        return join(
            " AND ", [sql(f"COUNT(*) {op} {{}}", number_param(vendor, bound)) for op, bound in self.comparisons]
        )


# "At least n" with n up to this many may be probed per profile (CountSubject.probe).
MAX_PROBED_COUNT = 20


def at_least(comparisons) -> int | None:
    """n when the comparisons say exactly "count >= n" (or "> n - 1"), n from 2 to MAX_PROBED_COUNT."""
    if len(comparisons) != 1:
        return None
    op, bound = comparisons[0]
    n = bound if op == ">=" else bound + 1 if op == ">" else None
    if n is None or Fraction(n).denominator != 1 or not 2 <= n <= MAX_PROBED_COUNT:
        return None
    return int(n)


def probed_count(node: EventCondition) -> int | None:
    """n when the condition counts "at least n" events in a way CountSubject can probe."""
    if node.aggregate is not None or node.count is None:
        return None
    return at_least([({"gte": ">=", "gt": ">"}.get(node.count.op), node.count.value)])


class CountSubject(Subject):
    """How many events match: EXISTS / NOT EXISTS for "at least once" / "never", else the
    matching events grouped per profile once (InGroupedEvents).

    With `probe`, "at least n" (n <= MAX_PROBED_COUNT) is asked of each profile instead: EXISTS its
    n-th matching event (LIMIT 1 OFFSET n - 1 on the (profile, name, timestamp) index). Cheaper when
    other conditions leave few profiles to ask ("EU readers without orders": 121,000 candidates
    against 2.5M page views grouped); dearer for everybody. segments.selectors.rule_matches
    chooses from the planner's estimate of the candidates."""

    def __init__(self, events: QuerySet, grouped: QuerySet, *, probe: bool = False):
        self.events, self.grouped, self.probe = events, grouped, probe  # correlated to the outer profile / not

    def number(self, comparisons):
        if comparisons in ([(">=", 1)], [(">", 0)]):
            return Q(Exists(self.events))
        if comparisons in ([("=", 0)], [("<", 1)], [("<=", 0)]):
            return ~Q(Exists(self.events))
        n = at_least(comparisons) if self.probe else None
        if n is not None:
            return Q(Exists(self.events.values("pk")[n - 1 : n]))
        negated = _holds_for_none(comparisons, Fraction(0))
        test = CountTest(tuple(comparisons))
        return Q(InGroupedEvents(Subquery(self.grouped.values("profile_id")), test, negated=negated))


@dataclass(frozen=True)
class AggregateValue:
    """One event's value of the aggregated property: a number rounded to AGGREGATE_DECIMALS places
    (on SQLite scaled to an integer number of 1/10000, so sums are exact), or NULL."""

    path: tuple[str, ...]

    def render(self, vendor: str, properties: Sql) -> Sql:
        number = number_sql(JsonRef(vendor, properties, self.path))
        if vendor == "postgresql":
            return sql(f"round({{}}, {AGGREGATE_DECIMALS})", number)
        return sql(f"ROUND({{}} * {AGGREGATE_SCALE})", number)


def aggregate_param(vendor: str, bound: Fraction) -> object:
    """A bound compared with AggregateValue values (scaled like them on SQLite)."""
    return number_param(vendor, bound if vendor == "postgresql" else bound * AGGREGATE_SCALE)


@dataclass(frozen=True)
class AggregateTest:
    """fn(values) op bound. Sum over no values is 0; avg, min and max over no values are NULL."""

    fn: str
    comparisons: tuple

    def render(self, vendor: str, value: Sql) -> Sql:
        parts = []
        for op, bound in self.comparisons:
            param = aggregate_param(vendor, bound)
            if self.fn == "sum":
                parts.append(sql(f"COALESCE(SUM({{}}), 0) {op} {{}}", value, param))
            elif self.fn == "avg":
                # avg op b  <=>  sum(v - b) op 0 over n > 0 values (NULL over none): no division,
                # exact, and one aggregate (sum op b * count took two, so more memory per profile).
                parts.append(sql(f"SUM({{}} - {{}}) {op} 0", value, param))
            else:
                parts.append(sql(f"{self.fn.upper()}({{}}) {op} {{}}", value, param))
        return join(" AND ", parts)


@dataclass(frozen=True)
class ValueTest:
    """One event's aggregated value op bound (NULL, so false, when the property is not a number)."""

    path: tuple[str, ...]
    op: str
    bound: Fraction

    def render(self, vendor: str, properties: Sql) -> Sql:
        value = AggregateValue(self.path).render(vendor, properties)
        return sql(f"{{}} {self.op} {{}}", value, aggregate_param(vendor, self.bound))


# Comparisons one event's value decides: the largest value is above b exactly when some value is
# above b (values that are not numbers are skipped on both sides), and likewise for the smallest.
ONE_VALUE_DECIDES = {"max": (">", ">="), "min": ("<", "<=")}


class AggregateSubject(Subject):
    """fn of a property over each profile's matching events, grouped once (InGroupedEvents). A sum
    over no events is 0, so a comparison that 0 passes keeps the profiles without events.

    "max > b" / "min < b" (and >= / <=) need no grouping: EXISTS an event whose value passes, a
    semi-join on PostgreSQL ("an order over 150" on 10M events: 2.0 s -> 0.6 s)."""

    def __init__(self, events: QuerySet, grouped: QuerySet, fn: str, path: tuple[str, ...]):
        self.events, self.grouped, self.fn, self.path = events, grouped, fn, path  # correlated / not

    def number(self, comparisons):
        if len(comparisons) == 1 and comparisons[0][0] in ONE_VALUE_DECIDES.get(self.fn, ()):
            op, bound = comparisons[0]
            return Q(Exists(self.events.filter(Rendered(("properties",), ValueTest(self.path, op, bound)))))
        value = Rendered(("properties",), AggregateValue(self.path), output_field=DecimalField())
        values = Subquery(self.grouped.annotate(v=value).values("profile_id", "v"))
        negated = self.fn == "sum" and _holds_for_none(comparisons, Fraction(0))
        return Q(InGroupedEvents(values, AggregateTest(self.fn, tuple(comparisons)), negated=negated, valued=True))


def named_q(name: str) -> Q:
    """The stored events (rows of ingestion.Event) an event condition knows by `name`: one
    indexed column (Event.known_as), for track events and page / screen calls alike."""
    return Q(known_as=name)


def events_q(node: EventCondition, now: datetime) -> Q:
    """The events (rows of ingestion.Event) the condition looks at, for any profile."""
    result = named_q(node.name) & Q(timestamp__lte=now)
    window = node.window
    if window is not None:
        if window.last is not None:
            result &= Q(timestamp__gte=now - window.last)
        if window.after is not None:
            result &= Q(timestamp__gte=window.after)
        if window.before is not None:
            result &= Q(timestamp__lt=window.before)
    for f in node.where:
        result &= condition(JsonSubject("properties", f.path), f.comparison, now)
    return result


def profile_events(node: EventCondition, now: datetime) -> QuerySet:
    """The matching events of the profile of the outer query (Profile), for a subquery."""
    from ingestion.models import Event

    return Event.objects.filter(profile=OuterRef("pk")).filter(events_q(node, now))


def grouped_events(node: EventCondition, now: datetime) -> QuerySet:
    """The matching events of every profile (not correlated to an outer query), for grouping."""
    from ingestion.models import Event

    return Event.objects.filter(events_q(node, now), profile__isnull=False)


def event_condition_q(node: EventCondition, now: datetime, *, probe_counts: bool = False) -> Q:
    if node.aggregate is None:
        subject = CountSubject(profile_events(node, now), grouped_events(node, now), probe=probe_counts)
        return condition(subject, node.count or AT_LEAST_ONCE, now)
    subject = AggregateSubject(
        profile_events(node, now), grouped_events(node, now), node.aggregate.fn, node.aggregate.path
    )
    return condition(subject, node.aggregate.comparison, now)
