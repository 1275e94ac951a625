"""parse(json) -> Rule, or RuleError naming the JSON path of the bad node.

Two checks, both always run: the hand-written parser below (precise messages, and the semantic
checks a JSON Schema cannot express: low <= high, after < before, real calendar dates, the
operators each metric's type allows, size limits), then the published JSON Schema
(schema.json, draft 2020-12) with the `jsonschema` package. A malformed rule is an error, never
"match everyone".
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cache
from pathlib import Path

from segments.constants import (
    AGGREGATE_FUNCTIONS,
    DURATION_UNITS,
    MAX_CONSENT_PURPOSE_LENGTH,
    MAX_DURATION,
    MAX_EVENT_NAME_LENGTH,
    MAX_LIST_VALUES,
    MAX_PATH_LENGTH,
    MAX_RULE_DEPTH,
    MAX_RULE_NODES,
    MAX_SIGNIFICANT_DIGITS,
    MAX_STRING_LENGTH,
    MAX_WHERE_FILTERS,
    METRICS,
    NODE_KEYS,
    MetricKind,
)
from segments.rules.errors import RuleError
from segments.rules.operators import NUMERIC_OPERATORS, OPERATORS, Takes
from segments.rules.tree import (
    Aggregate,
    AllOf,
    AnyOf,
    Comparison,
    ConsentCondition,
    EventCondition,
    MetricCondition,
    Not,
    PropertyFilter,
    Rule,
    SegmentCondition,
    TraitCondition,
    Window,
)
from segments.rules.values import from_seconds, moment_seconds

SCHEMA_PATH = Path(__file__).with_name("schema.json")
PATH_PATTERN = r'^[^."\\\x00-\x1f]+(\.[^."\\\x00-\x1f]+)*$'
PURPOSE_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
_PATH_RE = re.compile(PATH_PATTERN)
_PURPOSE_RE = re.compile(PURPOSE_PATTERN)

# Operators each metric type allows (traits and event properties allow every operator).
METRIC_OPERATORS = {
    MetricKind.NUMBER: ("eq", "neq", "gt", "gte", "lt", "lte", "between", "in", "not_in", "exists", "not_exists"),
    MetricKind.MOMENT: ("before", "after", "within_last", "more_than_ago", "exists", "not_exists"),
    MetricKind.TEXT: (
        "eq",
        "neq",
        "in",
        "not_in",
        "contains",
        "not_contains",
        "starts_with",
        "ends_with",
        "exists",
        "not_exists",
    ),
}


@cache
def json_schema() -> dict:
    """The rule language's JSON Schema (draft 2020-12), as published in docs/rule.schema.json."""
    return json.loads(SCHEMA_PATH.read_text())


@cache
def _validator():
    try:
        from jsonschema import Draft202012Validator
    except ImportError:  # the hand-written parser alone still rejects every malformed rule
        return None
    return Draft202012Validator(json_schema())


def parse(data: object) -> Rule:
    """A rule (decoded JSON, or a JSON string) as a typed tree; RuleError when malformed."""
    if isinstance(data, (str, bytes, bytearray)):
        try:
            data = json.loads(data)
        except ValueError as exc:
            raise RuleError("$", f"not valid JSON ({exc})") from None
    rule = _Parser().node(data, "$", 1)
    validator = _validator()
    if validator is not None:
        error = next(iter(sorted(validator.iter_errors(data), key=lambda e: -len(e.absolute_path))), None)
        if error is not None:
            raise RuleError(error.json_path, error.message)
    return rule


class _Parser:
    def __init__(self):
        self.nodes = 0

    # --- nodes ---

    def node(self, data: object, at: str, depth: int) -> Rule:
        if not isinstance(data, dict):
            raise RuleError(at, "a rule node must be a JSON object")
        if depth > MAX_RULE_DEPTH:
            raise RuleError(at, f"rules may nest at most {MAX_RULE_DEPTH} levels deep")
        self.nodes += 1
        if self.nodes > MAX_RULE_NODES:
            raise RuleError(at, f"a rule may have at most {MAX_RULE_NODES} nodes")
        kinds = [key for key in NODE_KEYS if key in data]
        if not kinds:
            raise RuleError(at, "a rule node needs one of: " + ", ".join(NODE_KEYS))
        if len(kinds) > 1:
            raise RuleError(at, f"a rule node has exactly one of {', '.join(NODE_KEYS)}; this one has {kinds}")
        kind = kinds[0]
        if kind in ("all", "any"):
            self.keys(data, at, required=(kind,))
            children = data[kind]
            if not isinstance(children, list):
                raise RuleError(f"{at}.{kind}", "must be a list of rules")
            if not children:
                raise RuleError(f"{at}.{kind}", "an empty group is not allowed (it would match everyone or no one)")
            parsed = tuple(self.node(child, f"{at}.{kind}[{i}]", depth + 1) for i, child in enumerate(children))
            return AllOf(parsed, at=at) if kind == "all" else AnyOf(parsed, at=at)
        if kind == "not":
            self.keys(data, at, required=("not",))
            return Not(self.node(data["not"], f"{at}.not", depth + 1), at=at)
        return getattr(self, kind)(data, at)

    def trait(self, data: dict, at: str) -> TraitCondition:
        self.keys(data, at, required=("trait", "op"), optional=("value",))
        path = self.path(data["trait"], f"{at}.trait")
        return TraitCondition(path, self.comparison(data, at), at=at)

    def metric(self, data: dict, at: str) -> MetricCondition:
        self.keys(data, at, required=("metric", "op"), optional=("value",))
        metric = data["metric"]
        if metric not in METRICS:
            raise RuleError(f"{at}.metric", f"unknown metric {metric!r}; one of: {', '.join(METRICS)}")
        kind = METRICS[metric]
        op = data["op"]
        if isinstance(op, str) and op in OPERATORS and op not in METRIC_OPERATORS[kind]:
            raise RuleError(f"{at}.op", f"{metric} is a {kind}; its operators are: {', '.join(METRIC_OPERATORS[kind])}")
        comparison = self.comparison(data, at)
        wanted = {MetricKind.NUMBER: Fraction, MetricKind.TEXT: str}.get(kind)
        values = comparison.value if isinstance(comparison.value, tuple) else (comparison.value,)
        typed = all(isinstance(v, wanted) and not isinstance(v, bool) for v in values) if wanted else True
        if comparison.op in ("eq", "neq", "in", "not_in") and not typed:
            plural = "numbers" if wanted is Fraction else "strings"
            raise RuleError(f"{at}.value", f"{metric} is a {kind}: compare it with {plural}")
        return MetricCondition(metric, comparison, at=at)

    def event(self, data: dict, at: str) -> EventCondition:
        self.keys(data, at, required=("event",), optional=("where", "within", "count", "aggregate"))
        name = data["event"]
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_EVENT_NAME_LENGTH:
            raise RuleError(
                f"{at}.event", f"an event name is a non-empty string of at most {MAX_EVENT_NAME_LENGTH} characters"
            )
        if "count" in data and "aggregate" in data:
            raise RuleError(at, "an event condition has either a count or an aggregate, not both")
        where = data.get("where", [])
        if not isinstance(where, list) or len(where) > MAX_WHERE_FILTERS:
            raise RuleError(f"{at}.where", f"must be a list of at most {MAX_WHERE_FILTERS} property filters")
        filters = tuple(self.property_filter(item, f"{at}.where[{i}]") for i, item in enumerate(where))
        window = self.window(data["within"], f"{at}.within") if "within" in data else None
        count = self.count(data["count"], f"{at}.count") if "count" in data else None
        aggregate = self.aggregate(data["aggregate"], f"{at}.aggregate") if "aggregate" in data else None
        return EventCondition(name, filters, window, count, aggregate, at=at)

    def segment(self, data: dict, at: str) -> SegmentCondition:
        self.keys(data, at, required=("segment",), optional=("member",))
        segment_id = _whole(data["segment"])
        if segment_id is None or segment_id < 1:
            raise RuleError(f"{at}.segment", "a segment id is a positive integer")
        return SegmentCondition(segment_id, self.flag(data, "member", at), at=at)

    def consent(self, data: dict, at: str) -> ConsentCondition:
        self.keys(data, at, required=("consent",), optional=("granted",))
        purpose = data["consent"]
        if (
            not isinstance(purpose, str)
            or len(purpose) > MAX_CONSENT_PURPOSE_LENGTH
            or not _PURPOSE_RE.fullmatch(purpose)
        ):
            raise RuleError(f"{at}.consent", "a consent purpose is a slug such as email_marketing")
        return ConsentCondition(purpose, self.flag(data, "granted", at), at=at)

    # --- parts ---

    def property_filter(self, data: object, at: str) -> PropertyFilter:
        if not isinstance(data, dict):
            raise RuleError(at, "a property filter is an object {property, op, value}")
        self.keys(data, at, required=("property", "op"), optional=("value",))
        return PropertyFilter(self.path(data["property"], f"{at}.property"), self.comparison(data, at), at=at)

    def window(self, data: object, at: str) -> Window:
        if not isinstance(data, dict) or not data:
            raise RuleError(at, 'a window is {"last": {"days": n}} or {"after": date-time, "before": date-time}')
        if "last" in data:
            self.keys(data, at, required=("last",))
            return Window(last=self.duration(data["last"], f"{at}.last"))
        self.keys(data, at, optional=("after", "before"))
        after = self.moment(data["after"], f"{at}.after") if "after" in data else None
        before = self.moment(data["before"], f"{at}.before") if "before" in data else None
        if after and before and after >= before:
            raise RuleError(at, "after must be earlier than before")
        return Window(after=after, before=before)

    def count(self, data: object, at: str) -> Comparison:
        if not isinstance(data, dict):
            raise RuleError(at, "a count is an object {op, value}")
        self.keys(data, at, required=("op", "value"))
        comparison = self.numeric_comparison(data, at)
        bounds = comparison.value if isinstance(comparison.value, tuple) else (comparison.value,)
        if not all(bound.denominator == 1 and bound >= 0 for bound in bounds):
            raise RuleError(f"{at}.value", "a count is compared with whole numbers >= 0")
        return comparison

    def aggregate(self, data: object, at: str) -> Aggregate:
        if not isinstance(data, dict):
            raise RuleError(at, "an aggregate is an object {fn, property, op, value}")
        self.keys(data, at, required=("fn", "property", "op", "value"))
        if data["fn"] not in AGGREGATE_FUNCTIONS:
            raise RuleError(f"{at}.fn", f"one of: {', '.join(AGGREGATE_FUNCTIONS)}")
        path = self.path(data["property"], f"{at}.property")
        return Aggregate(data["fn"], path, self.numeric_comparison(data, at))

    def numeric_comparison(self, data: dict, at: str) -> Comparison:
        if data["op"] not in NUMERIC_OPERATORS:
            raise RuleError(f"{at}.op", f"one of: {', '.join(NUMERIC_OPERATORS)}")
        return self.comparison(data, at)

    def comparison(self, data: dict, at: str) -> Comparison:
        op = data["op"]
        if not isinstance(op, str) or op not in OPERATORS:
            raise RuleError(f"{at}.op", f"unknown operator {op!r}; one of: {', '.join(OPERATORS)}")
        takes = OPERATORS[op].takes
        if takes == Takes.NOTHING:
            if "value" in data:
                raise RuleError(f"{at}.value", f"{op} takes no value")
            return Comparison(op, None)
        if "value" not in data:
            raise RuleError(at, f"{op} needs a value: {takes}")
        raw, where = data["value"], f"{at}.value"
        if takes == Takes.SCALAR:
            value = self.scalar(raw, where)
        elif takes == Takes.NUMBER:
            value = self.number(raw, where)
        elif takes == Takes.RANGE:
            if not isinstance(raw, list) or len(raw) != 2:
                raise RuleError(where, takes)
            value = (self.number(raw[0], f"{where}[0]"), self.number(raw[1], f"{where}[1]"))
            if value[0] > value[1]:
                raise RuleError(where, "low must not be greater than high")
        elif takes == Takes.LIST:
            if not isinstance(raw, list) or not raw or len(raw) > MAX_LIST_VALUES:
                raise RuleError(where, f"{takes} (at most {MAX_LIST_VALUES})")
            value = tuple(self.scalar(item, f"{where}[{i}]") for i, item in enumerate(raw))
        elif takes == Takes.TEXT:
            value = self.string(raw, where)
            if not value:
                raise RuleError(where, takes)
        elif takes == Takes.MOMENT:
            value = self.moment(raw, where)
        else:
            value = self.duration(raw, where)
        return Comparison(op, value, raw)

    def scalar(self, raw: object, at: str):
        if isinstance(raw, (bool, str)):
            return self.string(raw, at) if isinstance(raw, str) else raw
        if raw is None:
            raise RuleError(at, "null is not a value; use exists / not_exists")
        return self.number(raw, at)

    def number(self, raw: object, at: str) -> Fraction:
        if isinstance(raw, bool) or not isinstance(raw, (int, float, Decimal)):
            raise RuleError(at, "must be a number")
        number = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(raw)
        if not number.is_finite():
            raise RuleError(at, "must be a finite number")
        if len(number.normalize().as_tuple().digits) > MAX_SIGNIFICANT_DIGITS:
            raise RuleError(at, f"at most {MAX_SIGNIFICANT_DIGITS} significant digits")
        return Fraction(number)

    def string(self, raw: object, at: str) -> str:
        if not isinstance(raw, str):
            raise RuleError(at, "must be a string")
        if len(raw) > MAX_STRING_LENGTH:
            raise RuleError(at, f"at most {MAX_STRING_LENGTH} characters")
        return raw

    def moment(self, raw: object, at: str):
        seconds = moment_seconds(raw) if isinstance(raw, str) else None
        if seconds is None:
            raise RuleError(at, f"must be {Takes.MOMENT}, a real calendar date")
        return from_seconds(seconds)

    def duration(self, raw: object, at: str) -> timedelta:
        if not isinstance(raw, dict) or len(raw) != 1 or next(iter(raw)) not in DURATION_UNITS:
            raise RuleError(at, f"must be {Takes.DURATION}")
        unit, amount = next(iter(raw.items()))
        amount = _whole(amount)
        if amount is None or amount < 1:
            raise RuleError(f"{at}.{unit}", "must be a whole number >= 1")
        if amount > MAX_DURATION // DURATION_UNITS[unit]:
            raise RuleError(f"{at}.{unit}", "at most 100 years")
        return amount * DURATION_UNITS[unit]

    def path(self, raw: object, at: str) -> tuple[str, ...]:
        if not isinstance(raw, str) or len(raw) > MAX_PATH_LENGTH or not _PATH_RE.fullmatch(raw):
            raise RuleError(at, 'a path is dot-separated keys ("plan", "group.plan"); keys cannot contain . " or \\')
        return tuple(raw.split("."))

    def flag(self, data: dict, key: str, at: str) -> bool:
        value = data.get(key, True)
        if not isinstance(value, bool):
            raise RuleError(f"{at}.{key}", "must be true or false")
        return value

    def keys(self, data: dict, at: str, *, required=(), optional=()) -> None:
        for key in required:
            if key not in data:
                raise RuleError(at, f"missing {key!r}")
        for key in data:
            if key not in required and key not in optional:
                raise RuleError(f"{at}.{key}", "unknown key")


def _whole(raw: object) -> int | None:
    """A JSON integer (JSON Schema counts 30.0 as one too), or None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return None
