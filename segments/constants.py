"""Vocabularies and limits of segments and of the segment rule language (docs/rules.md)."""

from datetime import timedelta

# --- Rule nodes ---------------------------------------------------------------------------------

GROUP_KEYS = ("all", "any", "not")
CONDITION_KEYS = ("trait", "metric", "event", "segment", "consent")
NODE_KEYS = GROUP_KEYS + CONDITION_KEYS

# Limits that keep a rule (and the SQL it compiles to) a reasonable size.
MAX_RULE_DEPTH = 12
MAX_RULE_NODES = 300
MAX_LIST_VALUES = 500
MAX_STRING_LENGTH = 1000
MAX_PATH_LENGTH = 255
MAX_WHERE_FILTERS = 20
MAX_EVENT_NAME_LENGTH = 255  # = Event.name max_length
MAX_CONSENT_PURPOSE_LENGTH = 64
# Numbers in rules: what an IEEE double (SQLite's arithmetic) holds exactly as a decimal.
MAX_SIGNIFICANT_DIGITS = 15

# --- Durations (windows, within_last, more_than_ago) ---------------------------------------------

DURATION_UNITS = {"minutes": timedelta(minutes=1), "hours": timedelta(hours=1), "days": timedelta(days=1)}
MAX_DURATION = timedelta(days=36_525)  # 100 years

# --- Metrics ------------------------------------------------------------------------------------


class MetricKind:
    NUMBER = "number"
    MOMENT = "moment"  # a date-time
    TEXT = "text"


# The fixed set of metrics a rule can use (docs/metrics.md defines each one). Stored columns of
# Profile, plus three derived on read: days_since_last_order, days_since_last_seen (whole days
# from the time to `now`, rounded down) and avg_order_value (revenue_total / orders_count).
METRICS: dict[str, str] = {
    "first_seen": MetricKind.MOMENT,
    "last_seen": MetricKind.MOMENT,
    "first_order_at": MetricKind.MOMENT,
    "last_order_at": MetricKind.MOMENT,
    "events_count": MetricKind.NUMBER,
    "sessions_count": MetricKind.NUMBER,
    "page_views_count": MetricKind.NUMBER,
    "orders_count": MetricKind.NUMBER,
    "revenue_total": MetricKind.NUMBER,
    "rfm_recency": MetricKind.NUMBER,
    "rfm_frequency": MetricKind.NUMBER,
    "rfm_monetary": MetricKind.NUMBER,
    "rfm_class": MetricKind.TEXT,
    "days_since_last_order": MetricKind.NUMBER,
    "days_since_last_seen": MetricKind.NUMBER,
    "avg_order_value": MetricKind.NUMBER,
}
# Derived metric -> the stored column it is computed from.
DAYS_SINCE_METRICS = {"days_since_last_order": "last_order_at", "days_since_last_seen": "last_seen"}
# The stored columns each metric is read from (what the incremental engine watches for changes).
METRIC_COLUMNS: dict[str, tuple[str, ...]] = {
    **{name: (name,) for name in METRICS},
    **{name: (column,) for name, column in DAYS_SINCE_METRICS.items()},
    "avg_order_value": ("orders_count", "revenue_total"),
}
# Stored Profile columns a ProfileState carries (everything the metrics above are read from).
STORED_METRIC_COLUMNS = tuple(name for name in METRICS if name not in DAYS_SINCE_METRICS and name != "avg_order_value")

# --- Events -------------------------------------------------------------------------------------

# Event conditions name events as the daily rollups count them: ingestion.models.event_known_as.

AGGREGATE_FUNCTIONS = ("sum", "avg", "min", "max")
# Aggregated property values are rounded to this many decimal places (half away from zero) before
# they are summed or compared: the precision of money in Shoal (Profile.revenue_total).
AGGREGATE_DECIMALS = 4
