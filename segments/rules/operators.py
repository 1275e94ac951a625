"""THE operator table: every operator of the rule language, its Python form and its SQL form side
by side. Nothing else in the package decides what an operator means.

Both forms are written against the same typed views of a value (operands.py: a Reading in Python,
a Subject in SQL), whose meaning — numbers, strings, case, booleans, date-times, missing values —
is defined once in values.py. The rules (docs/rules.md, "Operators"):

* A positive operator is false when the value is missing or of the wrong type; never an error.
* A negative operator (neq, not_in, not_contains, not_exists) is exactly NOT its positive twin, so
  it is true when the value is missing or of another type ("plan is not pro" includes people with
  no plan). In SQL the positive condition's NULL counts as false before it is negated.
* The value's type chooses the comparison: `eq "30"` compares strings, `eq 30` numbers (which a
  numeric string like "30" is), `eq true` booleans.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

from django.db.models import Q

from segments.rules.operands import COMPARE, Reading, Subject
from segments.rules.sql_expressions import negate
from segments.rules.tree import Comparison
from segments.rules.values import micros, text_matches


class Takes:
    """What an operator's `value` must be (checked by the parser)."""

    SCALAR = "a string, a number or a boolean"
    NUMBER = "a number"
    RANGE = "a list [low, high] of two numbers, low <= high"
    LIST = "a non-empty list of strings, numbers or booleans"
    TEXT = "a non-empty string"
    MOMENT = "a date-time string (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS with optional Z or ±HH:MM)"
    DURATION = 'a duration {"minutes"|"hours"|"days": n}'
    NOTHING = "no value"


@dataclass(frozen=True)
class Operator:
    name: str
    takes: str
    meaning: str  # one line, as in the docs table
    python: Callable[[Reading, object, datetime], bool] | None = None
    sql: Callable[[Subject, object, datetime], Q] | None = None
    negates: str | None = None
    # Date-time operators, instead of `python`: the (comparison, bound) pairs a moment must satisfy
    # for `value` at `now`; the SQL form tests them (_moment_operator), and so does the Python form,
    # which computes them once per `now` (_compiled_moment).
    bounds: Callable[[object, datetime], list[tuple[str, datetime]]] | None = None


# --- shared pieces of the forms ---------------------------------------------------------------------


def _equals(reading: Reading, value) -> bool:
    if isinstance(value, bool):
        return reading.boolean() is value
    if isinstance(value, str):
        return reading.string() == value
    number = reading.number()
    return number is not None and number == value


def _equals_sql(subject: Subject, values) -> Q:
    parts = []
    strings = [v for v in values if isinstance(v, str)]
    numbers = [v for v in values if isinstance(v, Fraction)]
    if strings:
        parts.append(subject.string_in(strings))
    if numbers:
        parts.append(subject.number([("=", numbers[0])]) if len(numbers) == 1 else subject.number_in(numbers))
    flags = [v for v in values if isinstance(v, bool)]
    parts.extend(subject.boolean_is(flag) for flag in (True, False) if flag in flags)
    result = parts[0]
    for part in parts[1:]:
        result |= part
    return result


def _number(op: str) -> Callable[[Reading, Fraction, datetime], bool]:
    compare = COMPARE[op]

    def holds(reading: Reading, value: Fraction, now: datetime) -> bool:
        number = reading.number()
        return number is not None and compare(number, value)

    return holds


def _moment_operator(name: str, takes: str, meaning: str, bounds) -> Operator:
    """A date-time operator, defined by its bounds (Operator.bounds) for both forms."""
    return Operator(name, takes, meaning, sql=lambda s, v, now: s.moment(bounds(v, now)), bounds=bounds)


# --- the table ----------------------------------------------------------------------------------------

TABLE: list[Operator] = [
    Operator(
        "eq",
        Takes.SCALAR,
        "equal: strings exactly (case-sensitive), numbers by value (numeric strings too), booleans",
        python=lambda r, v, now: _equals(r, v),
        sql=lambda s, v, now: _equals_sql(s, [v]),
    ),
    Operator("neq", Takes.SCALAR, "NOT eq (true when missing)", negates="eq"),
    Operator(
        "gt",
        Takes.NUMBER,
        "number greater than",
        python=_number(">"),
        sql=lambda s, v, now: s.number([(">", v)]),
    ),
    Operator(
        "gte",
        Takes.NUMBER,
        "number greater than or equal",
        python=_number(">="),
        sql=lambda s, v, now: s.number([(">=", v)]),
    ),
    Operator("lt", Takes.NUMBER, "number less than", python=_number("<"), sql=lambda s, v, now: s.number([("<", v)])),
    Operator(
        "lte",
        Takes.NUMBER,
        "number less than or equal",
        python=_number("<="),
        sql=lambda s, v, now: s.number([("<=", v)]),
    ),
    Operator(
        "between",
        Takes.RANGE,
        "number in [low, high], both ends included",
        python=lambda r, v, now: _number(">=")(r, v[0], now) and _number("<=")(r, v[1], now),
        sql=lambda s, v, now: s.number([(">=", v[0]), ("<=", v[1])]),
    ),
    Operator(
        "in",
        Takes.LIST,
        "eq to any of the values",
        python=lambda r, v, now: any(_equals(r, item) for item in v),
        sql=lambda s, v, now: _equals_sql(s, v),
    ),
    Operator("not_in", Takes.LIST, "NOT in (true when missing)", negates="in"),
    Operator(
        "contains",
        Takes.TEXT,
        "string contains the text, ASCII case-insensitive",
        python=lambda r, v, now: r.string() is not None and text_matches("contains", r.string(), v),
        sql=lambda s, v, now: s.text_match("contains", v),
    ),
    Operator("not_contains", Takes.TEXT, "NOT contains (true when missing)", negates="contains"),
    Operator(
        "starts_with",
        Takes.TEXT,
        "string starts with the text, ASCII case-insensitive",
        python=lambda r, v, now: r.string() is not None and text_matches("starts_with", r.string(), v),
        sql=lambda s, v, now: s.text_match("starts_with", v),
    ),
    Operator(
        "ends_with",
        Takes.TEXT,
        "string ends with the text, ASCII case-insensitive",
        python=lambda r, v, now: r.string() is not None and text_matches("ends_with", r.string(), v),
        sql=lambda s, v, now: s.text_match("ends_with", v),
    ),
    Operator(
        "exists",
        Takes.NOTHING,
        "has a value (not missing, not null; any type, even an empty string)",
        python=lambda r, v, now: r.present(),
        sql=lambda s, v, now: s.present(),
    ),
    Operator("not_exists", Takes.NOTHING, "NOT exists", negates="exists"),
    _moment_operator("before", Takes.MOMENT, "date-time strictly before the given one", lambda v, now: [("<", v)]),
    _moment_operator("after", Takes.MOMENT, "date-time strictly after the given one", lambda v, now: [(">", v)]),
    _moment_operator(
        "within_last",
        Takes.DURATION,
        "date-time in [now - duration, now] (future date-times are not within the last anything)",
        lambda v, now: [(">=", now - v), ("<=", now)],
    ),
    _moment_operator(
        "more_than_ago", Takes.DURATION, "date-time strictly before now - duration", lambda v, now: [("<", now - v)]
    ),
]

OPERATORS: dict[str, Operator] = {op.name: op for op in TABLE}
NUMERIC_OPERATORS = ("eq", "neq", "gt", "gte", "lt", "lte", "between")  # for counts and aggregates


def compiled(comparison: Comparison) -> Callable[[Reading, datetime], bool]:
    """The Python form of one comparison, prepared once for the many readings it is asked about:
    compiled(comparison)(reading, now) -> does it hold for this reading at `now`? The operator is
    looked up once, and whole-number bounds become ints (a count or an integer metric then compares
    int to int, several times faster than through Fraction; both are exact, so the result is the
    same)."""
    operator = OPERATORS[comparison.op]
    value = _whole(comparison.value)
    if operator.negates:
        positive = _python_form(OPERATORS[operator.negates], value)
        return lambda reading, now: not positive(reading, now)
    return _python_form(operator, value)


def _python_form(operator: Operator, value) -> Callable[[Reading, datetime], bool]:
    if operator.bounds is not None:
        return _compiled_moment(operator.bounds, value)
    python = operator.python
    return lambda reading, now: python(reading, value, now)


def _compiled_moment(bounds, value) -> Callable[[Reading, datetime], bool]:
    """A date-time operator's Python form with its bounds in microseconds computed once per `now`
    rather than per reading: one evaluation asks thousands of profiles at the same moment, "last
    seen within 7 days" among them for every event. (now, tests), replaced in one assignment, so
    threads sharing the compiled rule never mix two moments' bounds."""
    cached: list = [(None, ())]

    def test(reading: Reading, now: datetime) -> bool:
        at, tests = cached[0]
        if at is not now:
            tests = tuple((COMPARE[op], micros(bound)) for op, bound in bounds(value, now))
            cached[0] = (now, tests)
        moment = reading.moment()
        return moment is not None and all(compare(moment, bound) for compare, bound in tests)

    return test


def _whole(value):
    if isinstance(value, Fraction):
        return int(value) if value.denominator == 1 else value
    if isinstance(value, (list, tuple)):
        return type(value)(_whole(item) for item in value)
    return value


def condition(subject: Subject, comparison: Comparison, now: datetime) -> Q:
    """The SQL form: the same comparison as a condition on the subject."""
    operator = OPERATORS[comparison.op]
    if operator.negates:
        return negate(OPERATORS[operator.negates].sql(subject, comparison.value, now))
    return operator.sql(subject, comparison.value, now)
