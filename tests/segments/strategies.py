"""Hypothesis strategies for the rule-language parity test.

Populations (traits, metrics, events) are drawn on a grid of moments that shares its edges with
the rules' windows and durations (k minutes / hours / days before NOW, give or take a microsecond
or a second), with numeric strings, case variants, time-zone-carrying date-times, missing values
and values of the wrong type. Rules are then drawn *from the population* (rules_for): their values
are values the profiles hold, or sit right next to them, so that edges are actually hit.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from ingestion.models import event_known_as
from segments.constants import AGGREGATE_FUNCTIONS, METRICS, MetricKind
from segments.rules.operators import NUMERIC_OPERATORS, OPERATORS, Takes
from segments.rules.schema import METRIC_OPERATORS
from segments.rules.values import MISSING, from_seconds, json_at, moment_seconds, number_of

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
# Evaluated at a whole second and at a fraction of one (whole-second trait date-times then never
# sit exactly on a window edge, which exercises the SQLite integer rounding of bounds).
NOWS = (NOW, NOW, NOW, NOW + timedelta(milliseconds=250))

UNITS = {"days": timedelta(days=1), "hours": timedelta(hours=1), "minutes": timedelta(minutes=1)}
STEPS = [1, 2, 7, 30, 180, 181]
JITTER = [timedelta(0), timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1), -timedelta(seconds=1)]
STRINGS = ["pro", "Pro", "PRO", "premium", "", "30", "30.0", "-5", "007", "1e3", " 30", "a%b_c\\d"]
STRINGS += ["ana@gmail.com", "ANA@GMAIL.COM", "books", "Books", "true"]
STRINGS += ["ÉTÉ", "été", "İstanbul", "Ünïcode", "straße"] * 2  # letters whose case folding differs by database
NUMBERS = [0, 1, 2, 30, 30.0, 33.33, 99.99, 100, 180, 0.1, 0.3, -5, 12.5, 0.0001]
ZONES = [None, "Z", "+02:00", "-05:30", "+14:00", "-00:01"]
ODD_MOMENTS = [
    "2026-02-30",
    "2025-02-29T10:00:00Z",
    "2026-13-01",
    "2026-05-01T24:00:00",
    "2026-05-01T10:00",
    "2026-05-01T10:00:00+15:00",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31",
    "1000-01-01T00:00:00+14:00",
    "2024-02-29T23:59:59.9999999",
]
TRAIT_KEYS = ["plan", "age", "signup", "group"]
TRAIT_PATHS = ["plan", "age", "signup", "group.plan", "group", "missing"]
PROPERTY_PATHS = ["category", "revenue", "meta.source", "missing"]
EVENT_NAMES = ["Order Completed", "Product Viewed", "Page Viewed"]

numbers = st.one_of(
    st.sampled_from(NUMBERS),
    st.integers(-10, 200),
    st.builds(lambda cents: cents / 100, st.integers(-10_000, 50_000)),
    st.builds(lambda units: units / 10_000, st.integers(-50_000, 50_000)),
)


@st.composite
def moments(draw) -> datetime:
    """A moment on the grid of edges (k units before NOW, jittered) or anywhere in the last year."""
    if draw(st.integers(0, 3)):
        unit = UNITS[draw(st.sampled_from(list(UNITS)))]
        return NOW - draw(st.sampled_from([0, *STEPS])) * unit + draw(st.sampled_from(JITTER))
    return NOW + timedelta(seconds=draw(st.integers(-400 * 86400, 86400)))


def iso(moment: datetime, *, zone: str | None, fraction: str, separator: str = "T", date_only: bool = False) -> str:
    offset = timedelta(0)
    if zone not in (None, "Z"):
        offset = (1 if zone[0] == "+" else -1) * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    local = moment + offset
    if date_only:
        return local.date().isoformat()
    return local.strftime(f"%Y-%m-%d{separator}%H:%M:%S") + fraction + (zone or "")


@st.composite
def moment_strings(draw) -> str:
    if draw(st.integers(0, 7)) == 0:
        return draw(st.sampled_from(ODD_MOMENTS))
    moment = draw(moments())
    fraction = draw(st.sampled_from(["", f".{moment.microsecond:06d}", ".5", ".9999999"]))
    return iso(
        moment,
        zone=draw(st.sampled_from(ZONES)),
        fraction=fraction,
        separator=draw(st.sampled_from(["T", " "])),
        date_only=draw(st.integers(0, 5)) == 0,
    )


json_scalars = st.one_of(
    st.sampled_from(STRINGS),
    numbers,
    st.booleans(),
    st.none(),
    moment_strings(),
    st.builds(str, st.integers(-10, 200)),
)
json_values = st.one_of(json_scalars, json_scalars, st.sampled_from([["pro", 1], [], {"plan": "pro"}, {}]))


# --- population -------------------------------------------------------------------------------


# Each trait key mostly holds one type (so rules about it meet that type), sometimes any other.
TRAIT_VALUES = {
    "plan": st.one_of(st.sampled_from(STRINGS), st.sampled_from(STRINGS), json_values),
    "age": st.one_of(
        numbers, st.builds(str, st.integers(-10, 200)), st.sampled_from(["30.0", "007", " 30", "1e3"]), json_values
    ),
    "signup": st.one_of(moment_strings(), moment_strings(), json_values),
}


@st.composite
def traits(draw) -> dict:
    result = {}
    for key in draw(st.lists(st.sampled_from(TRAIT_KEYS), unique=True, max_size=4)):
        if key == "group":
            result[key] = draw(
                st.one_of(
                    st.fixed_dictionaries({}, optional={"plan": TRAIT_VALUES["plan"], "size": json_scalars}),
                    st.sampled_from(["acme", None, 3]),
                )
            )
        else:
            result[key] = draw(TRAIT_VALUES[key])
    if draw(st.integers(0, 6)) == 0:  # a non-ASCII key
        result["ü"] = draw(json_scalars)
    return result


@st.composite
def metrics(draw) -> dict:
    maybe_moment = st.one_of(st.none(), moments())
    orders = draw(st.integers(0, 3))
    revenue = draw(st.sampled_from(["100", "99.99", "0.3", "33.33", "12.3456", "250.5", "0.0001"]))
    return {
        "first_seen": draw(maybe_moment),
        "last_seen": draw(maybe_moment),
        "first_order_at": draw(maybe_moment),
        "last_order_at": draw(maybe_moment),
        "events_count": draw(st.integers(0, 5)),
        "sessions_count": draw(st.integers(0, 3)),
        "page_views_count": draw(st.integers(0, 3)),
        "orders_count": orders,
        "revenue_total": Decimal(revenue) if orders else Decimal(0),
        "rfm_recency": draw(st.one_of(st.none(), st.integers(1, 5))),
        "rfm_frequency": draw(st.one_of(st.none(), st.integers(1, 5))),
        "rfm_monetary": draw(st.one_of(st.none(), st.integers(1, 5))),
        "rfm_class": draw(st.sampled_from(["", "Champions", "Loyal", "At Risk", "champions"])),
    }


event_properties = st.fixed_dictionaries(
    {},
    optional={
        "category": st.sampled_from(["books", "Books", "toys", "", 5]),
        "revenue": st.one_of(numbers, st.sampled_from(["19.99", "7", "abc", " 5", None, True])),
        "meta": st.fixed_dictionaries({}, optional={"source": st.sampled_from(["ads", "ADS", 1])}),
    },
)
EVENT_KINDS = [
    ("track", "Order Completed"),
    ("track", "Order Completed"),
    ("track", "Product Viewed"),
    ("track", "Page Viewed"),
    ("page", "Home"),
    ("identify", ""),
    ("screen", "Main"),
]
events = st.tuples(st.sampled_from(EVENT_KINDS), moments(), event_properties)


@st.composite
def profiles(draw) -> dict:
    return {
        "traits": draw(traits()),
        "metrics": draw(metrics()),
        "events": draw(st.lists(events, max_size=5)),
        "merged": draw(st.integers(0, 9)) == 0,
    }


populations = st.lists(profiles(), min_size=3, max_size=14)


# --- rules drawn from a population ------------------------------------------------------------


class Pools:
    """Values found in a population, to draw rule values from."""

    def __init__(self, population: list[dict]):
        self.by_path: dict[str, list] = {}
        for path in TRAIT_PATHS:
            self.by_path[path] = [
                v for p in population if (v := json_at(p["traits"], tuple(path.split(".")))) is not MISSING
            ]
        self.properties: dict[str, list] = {path: [] for path in PROPERTY_PATHS}
        self.event_times: dict[str, list[datetime]] = {name: [] for name in EVENT_NAMES}
        for person in population:
            for (event_type, name), timestamp, properties in person["events"]:
                self.event_times.setdefault(event_known_as(event_type, name), []).append(timestamp)
                for path in PROPERTY_PATHS:
                    value = json_at(properties, tuple(path.split(".")))
                    if value is not MISSING:
                        self.properties[path].append(value)
        self.metrics: dict[str, list] = {name: [p["metrics"].get(name) for p in population] for name in METRICS}
        for name, column in (("days_since_last_order", "last_order_at"), ("days_since_last_seen", "last_seen")):
            self.metrics[name] = [(NOW - p["metrics"][column]).days for p in population if p["metrics"][column]]
        self.metrics["avg_order_value"] = [
            round(float(Decimal(p["metrics"]["revenue_total"]) / p["metrics"]["orders_count"]), 6)
            for p in population
            if p["metrics"]["orders_count"]
        ]


def near_numbers(found: list) -> st.SearchStrategy:
    """Numbers equal to, or just around, the numbers (and numeric strings) found."""
    values = [float(n) if n.denominator != 1 else int(n) for v in found if (n := number_of(v)) is not None]
    if not values:
        return numbers
    return st.one_of(
        st.sampled_from(values),
        st.sampled_from(values),
        st.builds(lambda v, d: round(v + d, 4), st.sampled_from(values), st.sampled_from([1, -1, 0.5, 0.0001])),
        numbers,
    )


def near_strings(found: list) -> st.SearchStrategy:
    strings = [v for v in found if isinstance(v, str) and v]
    if not strings:
        return st.sampled_from(STRINGS)
    return st.one_of(st.sampled_from(strings), st.sampled_from(strings).map(str.swapcase), st.sampled_from(STRINGS))


@st.composite
def needles(draw, found: list) -> str:
    """A piece of a string found (start, end or middle), maybe in another case."""
    strings = [v for v in found if isinstance(v, str) and v]
    if not strings or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(["pro", "%", "_", "\\", "é", "É", "İ", "30", " "]))
    text = draw(st.sampled_from(strings))
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    piece = text[start:end]
    return piece.swapcase() if draw(st.booleans()) else piece


@st.composite
def near_moments(draw, found: list) -> str:
    """A rule date-time at, or one second either side of, a date-time found (whole seconds)."""
    seconds = [s for v in found if isinstance(v, str) and (s := moment_seconds(v)) is not None]
    seconds += [int(v.timestamp()) for v in found if isinstance(v, datetime)]
    zone = draw(st.sampled_from(ZONES))
    if seconds and draw(st.integers(0, 3)):
        near = draw(st.sampled_from(seconds)) + draw(st.sampled_from([-1, 0, 0, 1]))
        try:
            text = iso(from_seconds(near), zone=zone, fraction="", date_only=draw(st.integers(0, 9)) == 0)
        except (OverflowError, ValueError):
            text = None
        if text is not None and moment_seconds(text) is not None:
            return text
        # else a value at the calendar's ends, moved past it (year 0999 or 10000): any moment
    return iso(draw(moments()).replace(microsecond=0), zone=zone, fraction="", date_only=draw(st.integers(0, 9)) == 0)


durations = st.builds(lambda unit, n: {unit: n}, st.sampled_from(list(UNITS)), st.sampled_from(STEPS))


def near_durations(found: list) -> st.SearchStrategy:
    """Durations that put a window's edge on (within a second of) a date-time found."""
    seconds = [s for v in found if isinstance(v, str) and (s := moment_seconds(v)) is not None]
    ages = [NOW - v for v in found if isinstance(v, datetime)] + [NOW - from_seconds(s) for s in seconds]
    candidates = []
    for age in ages:
        for unit, step in UNITS.items():
            n = round(age / step)
            if 1 <= n <= 36_500 and abs(age - n * step) <= timedelta(seconds=1):
                candidates.append({unit: n})
    return st.one_of(st.sampled_from(candidates), durations) if candidates else durations


def value_for(takes: str, found: list, *, kind: str | None = None) -> st.SearchStrategy:
    """A valid value for an operator, near the values found (narrowed to a metric's type)."""
    if takes in (Takes.SCALAR, Takes.LIST):
        if kind == MetricKind.NUMBER:
            scalar = near_numbers(found)
        elif kind == MetricKind.TEXT:
            scalar = near_strings(found)
        else:
            scalar = st.one_of(near_strings(found), near_numbers(found), st.booleans())
        return scalar if takes == Takes.SCALAR else st.lists(scalar, min_size=1, max_size=3)
    if takes == Takes.NUMBER:
        return near_numbers(found)
    if takes == Takes.RANGE:
        return st.lists(near_numbers(found), min_size=2, max_size=2).map(sorted)
    if takes == Takes.TEXT:
        return needles(found)
    if takes == Takes.MOMENT:
        return near_moments(found)
    return near_durations(found)


OPERATORS_FOR = {
    "moment": ["before", "after", "within_last", "more_than_ago"],
    "string": ["eq", "neq", "in", "not_in", "contains", "not_contains", "starts_with", "ends_with"],
    "number": ["eq", "neq", "gt", "gte", "lt", "lte", "between", "in", "not_in"],
    "boolean": ["eq", "neq", "in", "not_in"],
    "other": ["exists", "not_exists"],
}


def type_of(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, str) and moment_seconds(value) is not None:
        return "moment"
    if number_of(value) is not None:
        return "number"
    return "string" if isinstance(value, str) else "other"


@st.composite
def comparison(draw, operators, found: list, *, kind: str | None = None) -> dict:
    """An operator (half the time one made for the type of a value found) and a value for it."""
    suited = [op for op in OPERATORS_FOR[type_of(draw(st.sampled_from(found)))] if op in operators] if found else []
    op = draw(st.sampled_from(suited if suited and draw(st.booleans()) else list(operators)))
    takes = OPERATORS[op].takes
    if takes == Takes.NOTHING:
        return {"op": op}
    return {"op": op, "value": draw(value_for(takes, found, kind=kind))}


@st.composite
def trait_rules(draw, pools: Pools) -> dict:
    found_paths = [path for path in TRAIT_PATHS if pools.by_path.get(path)]
    paths = st.sampled_from([*TRAIT_PATHS, "ü"])
    path = draw(st.one_of(st.sampled_from(found_paths), paths) if found_paths else paths)
    return {"trait": path, **draw(comparison(OPERATORS, pools.by_path.get(path, [])))}


@st.composite
def metric_rules(draw, pools: Pools) -> dict:
    derived = ["days_since_last_order", "days_since_last_seen", "avg_order_value"]
    metric = draw(st.one_of(st.sampled_from(derived), st.sampled_from(list(METRICS))))
    kind = METRICS[metric]
    return {"metric": metric, **draw(comparison(METRIC_OPERATORS[kind], pools.metrics[metric], kind=kind))}


@st.composite
def event_rules(draw, pools: Pools) -> dict:
    rule = {"event": draw(st.sampled_from(EVENT_NAMES))}
    where = []
    for _ in range(draw(st.integers(0, 2))):
        path = draw(st.sampled_from(PROPERTY_PATHS))
        where.append({"property": path, **draw(comparison(OPERATORS, pools.properties[path]))})
    if where:
        rule["where"] = where
    window = draw(st.integers(0, 3))
    if window == 1:
        rule["within"] = {"last": draw(near_durations(pools.event_times[rule["event"]]))}
    elif window == 2:
        found = pools.event_times[rule["event"]]
        after, before = draw(near_moments(found)), draw(near_moments(found))
        if moment_seconds(after) > moment_seconds(before):
            after, before = before, after
        keep = draw(st.sampled_from([("after",), ("before",), ("after", "before")]))
        if moment_seconds(after) == moment_seconds(before):
            keep = ("after",)
        rule["within"] = {name: value for name, value in (("after", after), ("before", before)) if name in keep}
    shape = draw(st.integers(0, 2))
    if shape == 1:
        op = draw(st.sampled_from(NUMERIC_OPERATORS))
        bounds = st.integers(0, 3)
        rule["count"] = {
            "op": op,
            "value": sorted(draw(st.lists(bounds, min_size=2, max_size=2))) if op == "between" else draw(bounds),
        }
    elif shape == 2:
        path = draw(st.sampled_from(["revenue", "category"]))
        found = pools.properties[path]
        sums = [sum(number_of(v) for v in found if number_of(v) is not None)] if found else []
        rule["aggregate"] = {
            "fn": draw(st.sampled_from(AGGREGATE_FUNCTIONS)),
            "property": path,
            **draw(comparison(NUMERIC_OPERATORS, found + [float(s) for s in sums])),
        }
    return rule


def rules_for(pools: Pools) -> st.SearchStrategy:
    leaves = st.one_of(
        trait_rules(pools),
        trait_rules(pools),
        trait_rules(pools),
        metric_rules(pools),
        metric_rules(pools),
        event_rules(pools),
        event_rules(pools),
        event_rules(pools),
        st.builds(lambda s, m: {"segment": s, "member": m}, st.integers(1, 3), st.booleans()),
        st.builds(
            lambda p, g: {"consent": p, "granted": g}, st.sampled_from(["email_marketing", "sms"]), st.booleans()
        ),
    )
    trees = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.builds(lambda c: {"all": c}, st.lists(children, min_size=1, max_size=3)),
            st.builds(lambda c: {"any": c}, st.lists(children, min_size=1, max_size=3)),
            st.builds(lambda c: {"not": c}, children),
        ),
        max_leaves=4,
    )
    return st.one_of(leaves, trees)
