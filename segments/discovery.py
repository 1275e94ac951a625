"""Schema discovery for the segment builder: what a rule can talk about, as the data shows it.

Event names seen (with counts and when last seen), each event's property keys with their observed
types and most frequent values, trait keys with types and values, the computed metrics, the other
segments and the consent purposes. Everything is read with bounded queries (daily rollups, the most
recent N events or profiles through an index) and cached for a few seconds, so a builder that asks
on every keystroke never scans the event store.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Max, Sum

from ingestion.models import Event
from profiles.models import Profile, ProfileEventDay
from segments.constants import METRICS, MetricKind
from segments.rules.events import named_q
from segments.rules.values import moment_of, number_of

CACHE_SECONDS = 30
EVENT_SAMPLE = 500  # most recent events of a name read to learn its properties
PROFILE_SAMPLE = 2000  # most recently seen profiles read to learn traits
TOP_VALUES = 12
MAX_KEYS = 200
MAX_VALUE_LENGTH = 120

# Value types as the rule language reads them (docs/rules.md, "Types").
NUMBER, STRING, BOOLEAN, DATETIME, LIST, OBJECT = "number", "string", "boolean", "datetime", "list", "object"

METRIC_LABELS = {
    "first_seen": "First seen",
    "last_seen": "Last seen",
    "first_order_at": "First order",
    "last_order_at": "Last order",
    "events_count": "Number of events",
    "sessions_count": "Number of sessions",
    "page_views_count": "Number of page views",
    "orders_count": "Number of orders",
    "revenue_total": "Total revenue",
    "rfm_recency": "RFM recency score",
    "rfm_frequency": "RFM frequency score",
    "rfm_monetary": "RFM monetary score",
    "rfm_class": "RFM class",
    "days_since_last_order": "Days since last order",
    "days_since_last_seen": "Days since last seen",
    "avg_order_value": "Average order value",
}
METRIC_TYPES = {MetricKind.NUMBER: NUMBER, MetricKind.MOMENT: DATETIME, MetricKind.TEXT: STRING}

# Until consent purposes are configurable, the purposes the rule docs use.
DEFAULT_PURPOSES = [
    {"slug": "email_marketing", "name": "Email marketing"},
    {"slug": "sms_marketing", "name": "SMS marketing"},
    {"slug": "personalization", "name": "Personalization"},
    {"slug": "analytics", "name": "Analytics"},
    {"slug": "advertising", "name": "Advertising"},
]


def value_type(value) -> str | None:
    """The rule language's reading of a JSON value: number (numeric strings too), date-time
    strings, strings, booleans; lists and objects are reported as such; null is None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, (int, float, Decimal)):
        return NUMBER
    if isinstance(value, str):
        if number_of(value) is not None:
            return NUMBER
        if moment_of(value) is not None:
            return DATETIME
        return STRING
    if isinstance(value, list):
        return LIST
    if isinstance(value, dict):
        return OBJECT
    return STRING


def _flatten(data: dict, prefix: str = "", depth: int = 0):
    """(dotted path, value) for every leaf reachable through objects (paths never enter lists)."""
    for key, value in data.items():
        if not isinstance(key, str) or not key or any(c in key for c in '."\\'):
            continue
        path = f"{prefix}{key}"
        if isinstance(value, dict) and value and depth < 4:
            yield from _flatten(value, f"{path}.", depth + 1)
        else:
            yield path, value


class _KeyStats:
    """Observed types and values of one key across a sample."""

    __slots__ = ("seen", "types", "values")

    def __init__(self):
        self.seen = 0
        self.types: Counter = Counter()
        self.values: Counter = Counter()

    def add(self, value) -> None:
        kind = value_type(value)
        if kind is None:
            return
        self.seen += 1
        self.types[kind] += 1
        if kind in (STRING, BOOLEAN, NUMBER) and not (isinstance(value, str) and len(value) > MAX_VALUE_LENGTH):
            self.values[value if not isinstance(value, Decimal) else float(value)] += 1

    def as_dict(self, key: str, sample_size: int, *, personal: bool = False) -> dict:
        main = self.types.most_common(1)[0][0] if self.types else STRING
        distinct = len(self.values)
        # Values worth suggesting: text and booleans, and numbers only when there are few of them
        # (a plan tier, a rating), not prices. Never personal data: not for keys classified as
        # personal, and never a value seen once (an email, a name) in a sample of any size.
        show_values = main in (STRING, BOOLEAN) or (main == NUMBER and distinct <= TOP_VALUES)
        show_values = show_values and not personal
        repeated = [(v, c) for v, c in self.values.most_common(TOP_VALUES) if c > 1 or sample_size <= 1]
        return {
            "key": key,
            "type": main,
            "types": dict(self.types),
            "seen": self.seen,
            "share": round(self.seen / sample_size, 4) if sample_size else 0,
            "values": [{"value": v, "count": c} for v, c in repeated] if show_values else [],
            "distinct": distinct,
        }


def _summarize(documents, sample_size: int) -> list[dict]:
    stats: dict[str, _KeyStats] = defaultdict(_KeyStats)
    for document in documents:
        if isinstance(document, dict):
            for path, value in _flatten(document):
                stats[path].add(value)
    personal = _personal_keys()
    keys = [s.as_dict(k, sample_size, personal=personal(k)) for k, s in stats.items() if s.seen]
    keys.sort(key=lambda item: (-item["seen"], item["key"]))
    return keys[:MAX_KEYS]


def _personal_keys():
    """A predicate: whether the PII classification marks a trait or property key as personal
    data (masked for everyone in lists and suggestions). Without the PII app, nothing is."""
    try:
        from pii.selectors import masked_view

        view = masked_view()
    except Exception:  # no PII app, or its table is not migrated yet
        return lambda key: False
    return view.masks


def _cached(key: str, compute):
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, CACHE_SECONDS)
    return value


# --- Events ---------------------------------------------------------------------------------------


def event_names() -> list[dict]:
    """Event names seen (as rules name them), most frequent first: {name, count, last_seen}.
    Read from the per-profile daily rollups (one grouped query), not from the event store."""

    def compute():
        rows = ProfileEventDay.objects.values("name").annotate(total=Sum("count"), last=Max("day")).order_by("-total")
        return [
            {"name": row["name"], "count": int(row["total"] or 0), "last_seen": _iso(row["last"])}
            for row in rows[:MAX_KEYS]
            if row["name"]
        ]

    return _cached("segments:discovery:events", compute)


def event_properties(name: str) -> list[dict]:
    """Property keys of the most recent events of `name`, with observed types and top values."""

    def compute():
        recent = list(
            Event.objects.filter(named_q(name))
            .order_by("-timestamp")
            .values_list("properties", flat=True)[:EVENT_SAMPLE]
        )
        return _summarize(recent, len(recent))

    return _cached(f"segments:discovery:props:{_key(name)}", compute)


# --- Traits ---------------------------------------------------------------------------------------


def trait_keys() -> list[dict]:
    """Trait keys of the most recently seen profiles, most common first, with types and values."""

    def compute():
        recent = list(
            Profile.objects.filter(merged_into__isnull=True)
            .order_by("-last_seen")
            .values_list("traits", flat=True)[:PROFILE_SAMPLE]
        )
        return _summarize(recent, len(recent))

    return _cached("segments:discovery:traits", compute)


# --- Value suggestions ----------------------------------------------------------------------------


def value_suggestions(*, kind: str, key: str, q: str = "", event: str | None = None, limit: int = 20) -> list[dict]:
    """Observed values of a trait or an event property, most frequent first, filtered by a prefix
    or substring `q` (ignoring case): [{value, count}]."""
    if kind == "trait":
        keys = trait_keys()
    elif kind == "property" and event:
        keys = event_properties(event)
    elif kind == "metric" and key == "rfm_class":
        return _rfm_class_values(q, limit)
    else:
        return []
    entry = next((item for item in keys if item["key"] == key), None)
    if entry is None:
        return []
    needle = q.strip().lower()
    values = entry["values"]
    if needle:
        starts = [v for v in values if str(v["value"]).lower().startswith(needle)]
        inner = [v for v in values if needle in str(v["value"]).lower() and v not in starts]
        values = starts + inner
    return values[:limit]


def _rfm_class_values(q: str, limit: int) -> list[dict]:
    from profiles.constants import RFM_CLASS_NAMES

    needle = q.strip().lower()
    return [{"value": name, "count": None} for name in RFM_CLASS_NAMES if needle in name.lower()][:limit]


# --- Metrics, segments, purposes --------------------------------------------------------------------


def metrics() -> list[dict]:
    return [
        {"key": name, "label": METRIC_LABELS.get(name, name.replace("_", " ")), "type": METRIC_TYPES[kind]}
        for name, kind in METRICS.items()
    ]


def segments_for_rules(viewer=None) -> list[dict]:
    """Active segments a rule may reference (only those `viewer` may see, when given)."""
    from segments.selectors import segment_list

    rows = segment_list(viewer=viewer)
    return [
        {"id": row["id"], "name": row["name"], "member_count": row["member_count"]}
        for row in rows.values("id", "name", "member_count")
    ]


def consent_purposes() -> list[dict]:
    """Configured consent purposes when the consent app has them, else the documented defaults."""
    try:
        from consent.models import Purpose  # the consent issue adds it
    except ImportError:
        return list(DEFAULT_PURPOSES)
    try:
        purposes = []
        for purpose in Purpose.objects.order_by("name"):
            slug = getattr(purpose, "slug", None) or getattr(purpose, "key", None)
            if slug:
                purposes.append({"slug": slug, "name": getattr(purpose, "name", None) or slug.replace("_", " ")})
        return purposes or list(DEFAULT_PURPOSES)
    except Exception:  # a missing table (migrations not run yet) must not break the builder
        return list(DEFAULT_PURPOSES)


def rule_schema(viewer=None) -> dict:
    """Everything the builder's pickers start with (event properties are asked per event)."""
    from profiles.constants import RFM_CLASS_NAMES

    return {
        "events": event_names(),
        "traits": trait_keys(),
        "metrics": metrics(),
        "segments": segments_for_rules(viewer),
        "purposes": consent_purposes(),
        "rfm_classes": list(RFM_CLASS_NAMES),
    }


def _key(name: str) -> str:
    import hashlib

    return hashlib.sha1(name.encode(), usedforsecurity=False).hexdigest()


def _iso(value) -> str | None:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return None


def trait_breakdown(documents: list, *, keys: int = 4) -> list[dict]:
    """The traits that best describe a group of profiles: categorical keys (few distinct values,
    so never names or emails) held by most of them, each with its value shares."""
    size = len(documents)
    summary = _summarize(documents, size)
    breakdown = []
    for item in summary:
        categorical = item["type"] in (STRING, BOOLEAN) and 1 < item["distinct"] <= TOP_VALUES and item["values"]
        if categorical and item["share"] >= 0.2:
            breakdown.append(
                {
                    "key": item["key"],
                    "seen": item["seen"],
                    "values": [
                        {**v, "share": round(v["count"] / item["seen"], 4) if item["seen"] else 0}
                        for v in item["values"][:6]
                    ],
                }
            )
        if len(breakdown) >= keys:
            break
    return breakdown
