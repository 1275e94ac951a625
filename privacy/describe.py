"""describe(rule) -> a plain-English sentence for a segment rule: the "meaningful information
about the logic involved" in profiling (GDPR Art. 15(1)(h)) that an access export carries.

Works on the rule's JSON (docs/rules.md); an unreadable part is said to be unreadable rather than
guessed.
"""

from __future__ import annotations

OPS = {
    "eq": "is",
    "neq": "is not",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "between": "is between",
    "in": "is one of",
    "not_in": "is none of",
    "contains": "contains",
    "not_contains": "does not contain",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "exists": "is set",
    "not_exists": "is not set",
    "before": "is before",
    "after": "is after",
    "within_last": "is within the last",
    "more_than_ago": "is more than",
}
COUNT_OPS = {
    "eq": "exactly",
    "neq": "other than",
    "gt": "more than",
    "gte": "at least",
    "lt": "fewer than",
    "lte": "at most",
    "between": "between",
}
METRICS = {
    "events_count": "number of events",
    "sessions_count": "number of sessions",
    "page_views_count": "number of page views",
    "orders_count": "number of orders",
    "revenue_total": "total revenue",
    "avg_order_value": "average order value",
    "days_since_last_order": "days since the last order",
    "days_since_last_seen": "days since last seen",
    "first_seen": "first visit",
    "last_seen": "last visit",
    "first_order_at": "first order",
    "last_order_at": "last order",
    "rfm_recency": "recency score (RFM)",
    "rfm_frequency": "frequency score (RFM)",
    "rfm_monetary": "monetary score (RFM)",
    "rfm_class": "customer class (RFM)",
}


def describe(rule, segment_names: dict[int, str] | None = None) -> str:
    """The whole rule as one sentence, e.g. "Included when all of these hold: the trait "plan" is
    "pro"; the number of orders is at least 3."."""
    try:
        return "Included when " + _node(rule, segment_names or {}) + "."
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        return "Included by a rule that cannot be described (see the rule JSON)."


def _node(node: dict, names: dict[int, str]) -> str:
    if "all" in node:
        parts = [_node(child, names) for child in node["all"]]
        return parts[0] if len(parts) == 1 else "all of these hold: " + "; ".join(f"({p})" for p in parts)
    if "any" in node:
        parts = [_node(child, names) for child in node["any"]]
        return parts[0] if len(parts) == 1 else "at least one of these holds: " + "; ".join(f"({p})" for p in parts)
    if "not" in node:
        return "it is not the case that " + _node(node["not"], names)
    if "trait" in node:
        return f'the profile attribute "{node["trait"]}" {_comparison(node)}'
    if "metric" in node:
        return f"the {METRICS.get(node['metric'], node['metric'])} {_comparison(node)}"
    if "event" in node:
        return _event(node)
    if "segment" in node:
        name = names.get(node["segment"])
        label = f'the segment "{name}"' if name else f"segment #{node['segment']}"
        return f"the person is {'' if node.get('member', True) else 'not '}in {label}"
    if "consent" in node:
        verb = "has" if node.get("granted", True) else "has not"
        return f'the person {verb} given consent to "{node["consent"]}"'
    raise ValueError("unknown node")


def _value(value) -> str:
    if isinstance(value, dict):
        unit, amount = next(iter(value.items()))
        return f"{amount} {unit if amount != 1 else unit.rstrip('s')}"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _comparison(node: dict) -> str:
    op = node["op"]
    words = OPS.get(op, op)
    if op in ("exists", "not_exists"):
        return words
    value = node.get("value")
    if op == "between":
        return f"{words} {_value(value[0])} and {_value(value[1])}"
    if op == "more_than_ago":
        return f"{words} {_value(value)} ago"
    return f"{words} {_value(value)}"


def _event(node: dict) -> str:
    text = f'the person did "{node["event"]}"'
    where = node.get("where") or []
    if where:
        text += " where " + " and ".join(f'"{f["property"]}" {_comparison(f)}' for f in where)
    within = node.get("within")
    if isinstance(within, dict):
        if "last" in within:
            text += f" in the last {_value(within['last'])}"
        if within.get("after"):
            text += f" after {within['after']}"
        if within.get("before"):
            text += f" before {within['before']}"
    if node.get("aggregate"):
        agg = node["aggregate"]
        fn = {"sum": "total", "avg": "average", "min": "smallest", "max": "largest"}.get(agg["fn"], agg["fn"])
        text += f', and the {fn} "{agg["property"]}" of those events {_comparison(agg)}'
    elif node.get("count"):
        count = node["count"]
        value = count.get("value")
        if count["op"] == "eq" and value == 0:
            return text.replace("the person did", "the person did not do", 1)
        amount = f"{value[0]} and {value[1]}" if count["op"] == "between" else str(value)
        text += f" {COUNT_OPS.get(count['op'], count['op'])} {amount} times"
    return text
