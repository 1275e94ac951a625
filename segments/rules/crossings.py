"""Time passing: which profiles may have changed a time-relative condition's value between two
moments, found with indexed range queries instead of re-evaluating every profile.

A condition's value at `now` can change with no event only when `now` crosses a moment that the
profile's own data fixes:

* a trait or a date-time metric with `within_last d` / `more_than_ago d`: the stored moment m
  (a future date becoming present) and m + d (leaving the "last d");
* `days_since_last_order` / `days_since_last_seen` compared with a number b: the moments
  m + k days around b (the whole-day count only changes at those);
* the metrics' moments (first/last seen, first/last order) are the times of the profile's own
  events, so one can only be in the future when an event stamped in the future (t > received_at)
  set it: that event, not the column, finds the profiles whose moment becomes present. (The
  column would also match every profile the pipeline just wrote: their moment is their latest
  event's time, already present when they were evaluated; at 1,000 events/s that made every
  sweep re-evaluate the last ten seconds' active customers.)
* an event condition with a `last w` window: each matching-name event's timestamp t + w (it falls
  out of the window); any event condition: an event stamped in the future (t > received_at)
  becoming present at t; a `where` filter with a time operator: the property's moment as above.

`crossing_querysets(rule, since, until)` gives, per time-relative condition, a query of the ids of
the profiles with such a moment in (since, until] (widened by CROSSING_SLACK for rounding and
strict bounds). Those candidates are then evaluated exactly by the engine; a candidate whose
membership did not change costs one evaluation and nothing else. The set is a superset of the
profiles whose membership can have changed, never a subset: that is what the tests check.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction
from math import ceil, floor

from django.db.models import F, Q, QuerySet

from segments.constants import DAYS_SINCE_METRICS, METRICS, MetricKind
from segments.rules.dependencies import TIME_OPERATORS
from segments.rules.events import named_q
from segments.rules.operands import JsonSubject
from segments.rules.tree import Comparison, EventCondition, MetricCondition, Rule, TraitCondition, walk

# Bands are widened by this much on the early side: comparisons are strict or inclusive at
# microsecond precision, and stored moments may be rounded to whole seconds.
CROSSING_SLACK = timedelta(seconds=1)
DAY = timedelta(days=1)


def _bands(
    comparison: Comparison, since: datetime, until: datetime, *, becoming_present: bool = True
) -> list[tuple[datetime, datetime]]:
    """Ranges [low, high] of a stored moment m for which a time operator's value may change in
    (since, until]. Without `becoming_present`, not the band of a future m becoming present (the
    caller finds those another way)."""
    if comparison.op not in TIME_OPERATORS:
        return []
    duration: timedelta = comparison.value
    bands = [(since - duration - CROSSING_SLACK, until - duration)]
    if comparison.op == "within_last" and becoming_present:
        bands.append(_present_band(since, until))
    return bands


def _present_band(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The moments that become present in (since, until]."""
    return (since - CROSSING_SLACK, until)


def _becomes_present(comparison: Comparison, days_since: bool) -> bool:
    """Whether the condition's value may change when its stored moment m itself becomes present:
    `within_last` (m enters the window), or a whole-day count compared with a bound in (-1, 1)
    (the count goes from -1 to 0 at m)."""
    if days_since:
        return 0 in _day_offsets(comparison)
    return comparison.op == "within_last"


def _numbers(value) -> list[Fraction]:
    if isinstance(value, Fraction):
        return [value]
    if isinstance(value, tuple):
        return [item for item in value if isinstance(item, Fraction)]
    return []


def _day_offsets(comparison: Comparison) -> set[int]:
    """The k for which floor((now - m) / 1 day) may cross a bound of the comparison at m + k days."""
    days: set[int] = set()
    for bound in _numbers(comparison.value):
        days |= {floor(bound), floor(bound) + 1, ceil(bound), ceil(bound) + 1}
    return days


def _day_bands(comparison: Comparison, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
    """Ranges of the stored moment m for which floor((now - m) / 1 day) crosses a bound of the
    comparison in (since, until]: m + k days in that interval for k around each bound (but k = 0,
    m itself becoming present: see _becomes_present)."""
    return [(since - k * DAY - CROSSING_SLACK, until - k * DAY) for k in sorted(_day_offsets(comparison)) if k != 0]


def _any_band(subject_q, bands: list[tuple[datetime, datetime]]) -> Q | None:
    result = None
    for low, high in bands:
        part = subject_q(low, high)
        result = part if result is None else result | part
    return result


def _profiles(q: Q | None) -> QuerySet | None:
    from profiles.models import Profile

    if q is None:
        return None
    return Profile.objects.filter(q, merged_into__isnull=True).values_list("pk", flat=True)


def _event_profiles(q: Q) -> QuerySet:
    from ingestion.models import Event

    return Event.objects.filter(q, profile__isnull=False).values_list("profile_id", flat=True).distinct()


def _json_band(column: str, path: tuple[str, ...]):
    # A trait's moment is indexed on PostgreSQL (pg.index_trait_dates); elsewhere the moment view
    # narrows by the value's date prefix before parsing (values.moment_prefix_sql): only the few
    # rows inside the band are parsed.
    return lambda low, high: JsonSubject(column, path).moment([(">=", low), ("<=", high)])


def _column_band(column: str):
    return lambda low, high: Q(**{f"{column}__gte": low, f"{column}__lte": high})


def _future_stamped_profiles(since: datetime, until: datetime, named: Q | None = None) -> QuerySet:
    """Profiles with an event (named, if given) stamped in the future when it arrived that
    becomes present in (since, until]."""
    low, high = _present_band(since, until)
    q = Q(timestamp__gt=low, timestamp__lte=high) & Q(timestamp__gt=F("received_at"))
    return _event_profiles(q if named is None else named & q)


def _event_querysets(node: EventCondition, since: datetime, until: datetime) -> list[QuerySet]:
    # The condition's events, ignoring its window and filters (a superset is enough).
    named = named_q(node.name)
    found = [_future_stamped_profiles(since, until, named)]
    if node.window is not None and node.window.last is not None:
        last = node.window.last
        found.append(
            _event_profiles(named & Q(timestamp__gte=since - last - CROSSING_SLACK, timestamp__lte=until - last))
        )
    for where in node.where:
        bands = _bands(where.comparison, since, until)
        if bands:
            found.append(_event_profiles(named & _any_band(_json_band("properties", where.path), bands)))
    return found


def crossing_querysets(rule: Rule, since: datetime, until: datetime) -> list[QuerySet]:
    """Queries of profile ids whose time-relative conditions may have changed value in
    (since, until]; empty when the rule has none."""
    found: list[QuerySet] = []
    for node in walk(rule):
        if isinstance(node, TraitCondition):
            query = _profiles(_any_band(_json_band("traits", node.path), _bands(node.comparison, since, until)))
        elif isinstance(node, MetricCondition):
            days_since = node.metric in DAYS_SINCE_METRICS
            if days_since:
                bands = _day_bands(node.comparison, since, until)
                query = _profiles(_any_band(_column_band(DAYS_SINCE_METRICS[node.metric]), bands))
            elif METRICS[node.metric] == MetricKind.MOMENT:
                bands = _bands(node.comparison, since, until, becoming_present=False)
                query = _profiles(_any_band(_column_band(node.metric), bands))
            else:
                continue
            if _becomes_present(node.comparison, days_since):
                found.append(_future_stamped_profiles(since, until))
        elif isinstance(node, EventCondition):
            found.extend(_event_querysets(node, since, until))
            continue
        else:
            continue
        if query is not None:
            found.append(query)
    return found


def crossing_profiles(rule: Rule, since: datetime, until: datetime) -> set[int]:
    """The ids of the profiles that may have crossed a time-relative condition of the rule."""
    ids: set[int] = set()
    for query in crossing_querysets(rule, since, until):
        ids.update(query)
    return ids
