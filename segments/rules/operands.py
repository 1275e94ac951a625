"""What an operator is applied to, in both targets.

A *reading* (Python) and a *subject* (SQL) expose the same typed views of one value — present,
number, string, boolean, moment — for each kind of thing a rule can look at: a JSON value (trait,
event property), a stored metric column, a derived metric (days since, average order value), an
event count or aggregate. The operator table (operators.py) is written against these views only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from math import ceil, floor

from django.db.models import F, Q
from django.db.models.lookups import Exact, GreaterThan, GreaterThanOrEqual, In, LessThan, LessThanOrEqual

from segments.constants import DAYS_SINCE_METRICS, METRICS, MetricKind
from segments.rules.sql_expressions import Num, Rendered, false, number_param
from segments.rules.values import (
    AGGREGATE_SCALE,
    MISSING,
    JsonRef,
    Sql,
    boolean_eq_sql,
    boolean_of,
    column_text_match_sql,
    join,
    micros,
    moment_bound_sql,
    moment_of,
    moment_prefix_sql,
    moment_sql,
    number_of,
    number_sql,
    present_sql,
    sql,
    string_eq_sql,
    string_of,
    text_match_sql,
)

# Comparisons are (op, bound) pairs with op one of these; a list of them must all hold.
COMPARE = {
    "=": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
LOOKUPS = {"=": Exact, "<": LessThan, "<=": LessThanOrEqual, ">": GreaterThan, ">=": GreaterThanOrEqual}
DATE_LOOKUPS = {"=": "exact", "<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}


# --- Python: readings -----------------------------------------------------------------------------


class Reading:
    """One value as the Python target sees it. `seen` is what explanations show."""

    seen: object = None

    def present(self) -> bool:
        return False

    def number(self) -> Fraction | None:
        return None

    def string(self) -> str | None:
        return None

    def boolean(self) -> bool | None:
        return None

    def moment(self) -> int | None:
        """Microseconds since the epoch."""
        return None


class JsonReading(Reading):
    """A trait or an event property (MISSING when absent or null)."""

    def __init__(self, value: object):
        self.value = value
        self.seen = None if value is MISSING else value

    def present(self) -> bool:
        return self.value is not MISSING

    def number(self) -> Fraction | None:
        return number_of(self.value)

    def string(self) -> str | None:
        return string_of(self.value)

    def boolean(self) -> bool | None:
        return boolean_of(self.value)

    def moment(self) -> int | None:
        return moment_of(self.value)


class ColumnReading(Reading):
    """A stored metric column. An empty text (rfm_class "") is missing."""

    def __init__(self, value: object, kind: str):
        self.value = None if value == "" else value
        self.kind = kind
        self.seen = self.value

    def present(self) -> bool:
        return self.value is not None

    def number(self) -> Fraction | None:
        return number_of(self.value) if self.kind == MetricKind.NUMBER else None

    def string(self) -> str | None:
        return self.value if self.kind == MetricKind.TEXT else None

    def moment(self) -> int | None:
        return micros(self.value) if self.kind == MetricKind.MOMENT and self.value is not None else None


class DaysSinceReading(Reading):
    """Whole days from a stored time to now, rounded down (negative for a future time)."""

    def __init__(self, moment: datetime | None, now: datetime):
        self.days = None if moment is None else (now - moment).days
        self.seen = self.days

    def present(self) -> bool:
        return self.days is not None

    def number(self) -> Fraction | None:
        return None if self.days is None else Fraction(self.days)


class AverageOrderReading(Reading):
    """revenue_total / orders_count, exactly; missing without orders."""

    def __init__(self, revenue_total, orders_count: int):
        self.value = Fraction(revenue_total) / orders_count if orders_count else None
        self.seen = None if self.value is None else float(self.value)

    def present(self) -> bool:
        return self.value is not None

    def number(self) -> Fraction | None:
        return self.value


class NumberReading(Reading):
    """An event count or aggregate (None: an aggregate over no values)."""

    def __init__(self, value: Fraction | None, seen: object = None):
        self.value = value
        self.seen = seen

    def present(self) -> bool:
        return self.value is not None

    def number(self) -> Fraction | None:
        return self.value


# --- SQL: subjects --------------------------------------------------------------------------------


class Subject:
    """One value as the SQL target sees it: each view returns a condition (Q). A view that does not
    apply to the subject's type is FALSE — the same as the reading returning None."""

    def present(self) -> Q:
        return false()

    def number(self, comparisons: list[tuple[str, Fraction]]) -> Q:
        return false()

    def number_in(self, values: list[Fraction]) -> Q:
        result = false()
        for value in values:
            result |= self.number([("=", value)])
        return result

    def string_in(self, values: list[str]) -> Q:
        return false()

    def text_match(self, kind: str, needle: str) -> Q:
        return false()

    def boolean_is(self, value: bool) -> Q:
        return false()

    def moment(self, comparisons: list[tuple[str, datetime]]) -> Q:
        return false()


def _compare_sql(left: Sql, comparisons: list[tuple[str, object]]) -> Sql:
    """`left op bound AND …`, as `left BETWEEN a AND b` for the usual pair."""
    if len(comparisons) == 2 and comparisons[0][0] == ">=" and comparisons[1][0] == "<=":
        return sql("{} BETWEEN {} AND {}", left, comparisons[0][1], comparisons[1][1])
    return join(" AND ", [sql("{} " + op + " {}", left, bound) for op, bound in comparisons])


@dataclass(frozen=True)
class JsonTest:
    """The SQL of one view of a JSON value (rendered by Rendered for the database in use)."""

    view: str
    path: tuple[str, ...]
    args: tuple = ()
    # Whether an index may hold the value's moment (traits: segments.pg.index_trait_dates).
    indexed: bool = False

    def render(self, vendor: str, column: Sql) -> Sql:
        ref = JsonRef(vendor, column, self.path)
        if self.view == "present":
            return present_sql(ref)
        if self.view == "string_in":
            return string_eq_sql(ref, list(self.args))
        if self.view == "text_match":
            return text_match_sql(ref, *self.args)
        if self.view == "boolean_is":
            return boolean_eq_sql(ref, self.args[0])
        if self.view == "number":
            return _compare_sql(number_sql(ref), [(op, number_param(vendor, v)) for op, v in self.args])
        if self.view == "number_in":
            values = join(", ", [sql("{}", number_param(vendor, v)) for v in self.args])
            return sql("{} IN ({})", number_sql(ref), values)
        if self.view == "moment":
            bounds = [(op, moment_bound_sql(vendor, op, bound)) for op, bound in self.args]
            if vendor == "postgresql" and not self.indexed and [op for op, _ in bounds] == [">=", "<="]:
                # One evaluation of the parse per row: PostgreSQL expands `x BETWEEN a AND b` into
                # two comparisons that each parse x (within_last on a trait took twice as long).
                # An indexed value is compared with both bounds instead, which the index answers.
                exact = sql("{} <@ tstzrange({}, {}, '[]')", moment_sql(ref), bounds[0][1], bounds[1][1])
            else:
                exact = _compare_sql(moment_sql(ref), bounds)
            narrow = None
            if not (vendor == "postgresql" and self.indexed and len(self.args) == 1):
                # A one-sided comparison of an indexed moment is left to the index alone: the
                # planner has no figures for the prefix, and took "signed up over a year ago"
                # (493,000 of 1M) for a third of that.
                narrow = moment_prefix_sql(ref, list(self.args))
            return exact if narrow is None else sql("({} AND {})", narrow, exact)
        raise ValueError(self.view)


class JsonSubject(Subject):
    """A JSON column (`traits` of a profile, `properties` of an event) at a path."""

    def __init__(self, column: str, path: tuple[str, ...]):
        self.column, self.path = column, path

    def _q(self, view: str, *args) -> Q:
        return Q(Rendered((self.column,), JsonTest(view, self.path, tuple(args), self.column == "traits")))

    def present(self) -> Q:
        return self._q("present")

    def number(self, comparisons):
        return self._q("number", *comparisons)

    def number_in(self, values):
        return self._q("number_in", *values)

    def string_in(self, values):
        return self._q("string_in", *values)

    def text_match(self, kind, needle):
        return self._q("text_match", kind, needle)

    def boolean_is(self, value):
        return self._q("boolean_is", value)

    def moment(self, comparisons):
        return self._q("moment", *comparisons)


@dataclass(frozen=True)
class TextColumnTest:
    kind: str
    needle: str

    def render(self, vendor: str, column: Sql) -> Sql:
        return column_text_match_sql(vendor, column, self.kind, self.needle)


class ColumnSubject(Subject):
    """A stored metric column: plain, index-friendly comparisons."""

    def __init__(self, column: str, kind: str):
        self.column, self.kind = column, kind

    def present(self) -> Q:
        if self.kind == MetricKind.TEXT:
            return ~Q(**{self.column: ""})
        return Q(**{f"{self.column}__isnull": False})

    def number(self, comparisons):
        if self.kind != MetricKind.NUMBER:
            return false()
        result = Q()
        for op, bound in comparisons:
            result &= Q(LOOKUPS[op](F(self.column), Num(bound)))
        return result

    def number_in(self, values):
        if self.kind != MetricKind.NUMBER:
            return false()
        return Q(In(F(self.column), [Num(v) for v in values]))

    def string_in(self, values):
        values = [v for v in values if v != ""]
        if self.kind != MetricKind.TEXT or not values:
            return false()
        return Q(**{self.column: values[0]}) if len(values) == 1 else Q(**{f"{self.column}__in": values})

    def text_match(self, kind, needle):
        if self.kind != MetricKind.TEXT:
            return false()
        return Q(Rendered((self.column,), TextColumnTest(kind, needle)))

    def moment(self, comparisons):
        if self.kind != MetricKind.MOMENT:
            return false()
        result = Q()
        for op, bound in comparisons:
            result &= Q(**{f"{self.column}__{DATE_LOOKUPS[op]}": bound})
        return result


class DaysSinceSubject(Subject):
    """Whole days since a stored time, compared without computing it per row: `days >= k` is
    `column <= now - k days`, `days <= k` is `column > now - (k + 1) days` (index-friendly)."""

    def __init__(self, column: str, now: datetime):
        self.column, self.now = column, now

    def present(self) -> Q:
        return Q(**{f"{self.column}__isnull": False})

    def _at_least(self, days: int) -> Q:
        cutoff = _days_before(self.now, days)
        if cutoff == "past":  # now - days is before any date-time: nothing is that old
            return false()
        if cutoff == "future":
            return self.present()
        return Q(**{f"{self.column}__lte": cutoff})

    def _at_most(self, days: int) -> Q:
        cutoff = _days_before(self.now, days + 1)
        if cutoff == "past":
            return self.present()
        if cutoff == "future":
            return false()
        return Q(**{f"{self.column}__gt": cutoff})

    def number(self, comparisons):
        result = Q()
        for op, bound in comparisons:
            if op == ">":
                result &= self._at_least(floor(bound) + 1)
            elif op == ">=":
                result &= self._at_least(ceil(bound))
            elif op == "<":
                result &= self._at_most(ceil(bound) - 1)
            elif op == "<=":
                result &= self._at_most(floor(bound))
            elif bound.denominator != 1:  # whole days never equal a fraction
                return false()
            else:
                result &= self._at_least(int(bound)) & self._at_most(int(bound))
        return result


def _days_before(now: datetime, days: int) -> datetime | str:
    try:
        return now - timedelta(days=days)
    except OverflowError:
        return "past" if days > 0 else "future"


@dataclass(frozen=True)
class AverageOrderTest:
    """avg_order_value op v, as revenue_total op v * orders_count (no division, so exact)."""

    comparisons: tuple

    def render(self, vendor: str, revenue: Sql, orders: Sql) -> Sql:
        parts = []
        for op, bound in self.comparisons:
            if vendor == "postgresql":
                parts.append(sql("{} " + op + " {} * {}", revenue, number_param(vendor, bound), orders))
            else:  # SQLite: in units of 1/10000 (revenue_total has 4 decimal places), integers
                parts.append(
                    sql(
                        f"ROUND({{}} * {AGGREGATE_SCALE}) {op} {{}} * {{}}",
                        revenue,
                        number_param(vendor, bound * AGGREGATE_SCALE),
                        orders,
                    )
                )
        return join(" AND ", parts)


class AverageOrderSubject(Subject):
    def present(self) -> Q:
        return Q(orders_count__gt=0)

    def number(self, comparisons):
        test = AverageOrderTest(tuple(comparisons))
        return Q(orders_count__gt=0) & Q(Rendered(("revenue_total", "orders_count"), test))


# --- Metrics: the fixed catalogue (segments.constants.METRICS) -------------------------------------


def metric_reading(metric: str, metrics: dict, now: datetime) -> Reading:
    """A metric of a profile's state (stored columns in `metrics`) as the Python target reads it."""
    if metric in DAYS_SINCE_METRICS:
        return DaysSinceReading(metrics.get(DAYS_SINCE_METRICS[metric]), now)
    if metric == "avg_order_value":
        return AverageOrderReading(metrics.get("revenue_total") or 0, metrics.get("orders_count") or 0)
    return ColumnReading(metrics.get(metric), METRICS[metric])


def metric_subject(metric: str, now: datetime) -> Subject:
    """The same metric as the SQL target reads it, from Profile's columns."""
    if metric in DAYS_SINCE_METRICS:
        return DaysSinceSubject(DAYS_SINCE_METRICS[metric], now)
    if metric == "avg_order_value":
        return AverageOrderSubject()
    return ColumnSubject(metric, METRICS[metric])
