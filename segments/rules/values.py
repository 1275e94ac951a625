"""How a value found in a profile or an event is read — as a number, a string, a boolean or a
date-time — defined once, with its Python form and its SQL forms (PostgreSQL, SQLite) side by
side. The operator table (operators.py) is written in terms of these readings.

The definitions (docs/rules.md, "Types"):

* missing: a key that is absent, or holds JSON null. Paths walk objects only.
* number: a JSON number, or a string spelling a decimal number (`"30"`, `"-2.50"`; no spaces,
  exponent or `+`). Booleans are never numbers. Compared exactly as decimals (on SQLite as
  IEEE doubles: exact up to 15 significant digits).
* string: a JSON string (numbers and booleans are not strings).
* boolean: JSON true / false.
* date-time ("moment"): a string `YYYY-MM-DD` or `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM]`
  (no offset = UTC; offsets up to ±14:59; years 1000-9999; a real calendar date), read to the
  whole second (the fraction is dropped, not rounded). Stored date-time columns keep their full
  precision.
* case: `eq`/`in` compare strings exactly; `contains`/`starts_with`/`ends_with` fold ASCII
  letters A-Z to a-z on both sides (other letters compare exactly, on every database).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from segments.constants import AGGREGATE_DECIMALS


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING = _Missing()

# The patterns are shared by Python (re.search), PostgreSQL (~) and SQLite (Django's REGEXP,
# which is Python's re.search): \A and \Z mean the same in all three.
NUMERIC_STRING_CORE = r"-?[0-9]+(\.[0-9]+)?"
# YYYY-MM-DD, optionally followed by [T ]HH:MM:SS, a fraction and a zone. Fixed positions: both
# targets read the fields by position once the pattern matched (Python slices, SQL substr).
MOMENT_CORE = (
    r"[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"([T ]([01][0-9]|2[0-3])(:[0-5][0-9]){2}(\.[0-9]+)?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])?)?"
)
NUMERIC_STRING = rf"\A{NUMERIC_STRING_CORE}\Z"
MOMENT = rf"\A{MOMENT_CORE}\Z"
_NUMERIC_STRING_RE = re.compile(NUMERIC_STRING)
_MOMENT_RE = re.compile(MOMENT)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
# Date-times at or after this instant (UTC) are not date-times (year 10000 after an offset).
MOMENT_END_SECONDS = (date(9999, 12, 31).toordinal() - _EPOCH_ORDINAL + 1) * 86400
MOMENT_END_SQL = "10000-01-01 00:00:00+00"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
AGGREGATE_SCALE = 10**AGGREGATE_DECIMALS


# --- Python forms ---------------------------------------------------------------------------------


def json_at(document: object, path: tuple[str, ...]) -> object:
    """The value at `path` inside a JSON document, or MISSING (absent, null, or not an object)."""
    node = document
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return MISSING
        node = node[key]
    return MISSING if node is None else node


def number_of(value: object) -> Fraction | int | None:
    """The exact number a value is (an int stays an int: cheaper, and as exact), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return Fraction(Decimal(repr(value))) if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, Decimal):
        return Fraction(value) if value.is_finite() else None
    if isinstance(value, str) and _NUMERIC_STRING_RE.search(value):
        return Fraction(Decimal(value))
    return None


def string_of(value: object) -> str | None:
    return value if isinstance(value, str) else None


def boolean_of(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def moment_seconds(text: str) -> int | None:
    """Seconds since the epoch of a date-time string, or None when it is not one."""
    if not _MOMENT_RE.search(text):
        return None
    try:
        day = date(int(text[0:4]), int(text[5:7]), int(text[8:10]))
    except ValueError:  # not a calendar date (2025-02-29)
        return None
    seconds = (day.toordinal() - _EPOCH_ORDINAL) * 86400
    if len(text) > 10:
        seconds += int(text[11:13]) * 3600 + int(text[14:16]) * 60 + int(text[17:19])
        zone = text[19:].lstrip(".0123456789")  # the fraction is dropped
        if zone and zone != "Z":
            seconds -= (1 if zone[0] == "+" else -1) * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return seconds if seconds < MOMENT_END_SECONDS else None


def moment_of(value: object) -> int | None:
    """A JSON value as a date-time, in microseconds since the epoch (whole seconds)."""
    if isinstance(value, str):
        seconds = moment_seconds(value)
        return None if seconds is None else seconds * 1_000_000
    return None


ONE_MICROSECOND = timedelta(microseconds=1)


def micros(moment: datetime) -> int:
    """An aware datetime in microseconds since the epoch (exact)."""
    return (moment - EPOCH) // ONE_MICROSECOND


def from_seconds(seconds: int) -> datetime:
    return EPOCH + timedelta(seconds=seconds)


def fold(text: str) -> str:
    """Case folding for contains / starts_with / ends_with: ASCII A-Z only."""
    return text.translate(_ASCII_LOWER)


def like_pattern(kind: str, needle: str) -> str:
    """The LIKE pattern (escape character \\) for a folded needle."""
    escaped = fold(needle).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return {"contains": f"%{escaped}%", "starts_with": f"{escaped}%", "ends_with": f"%{escaped}"}[kind]


def text_matches(kind: str, text: str, needle: str) -> bool:
    hay, needle = fold(text), fold(needle)
    if kind == "contains":
        return needle in hay
    if kind == "starts_with":
        return hay.startswith(needle)
    return hay.endswith(needle)


def aggregate_value(value: object) -> Fraction | int | None:
    """A property value as aggregates see it: a number, rounded to AGGREGATE_DECIMALS places
    (half away from zero)."""
    number = number_of(value)
    if number is None or isinstance(number, int):  # a whole number is already rounded
        return number
    scaled = abs(number) * AGGREGATE_SCALE
    rounded = int(scaled + Fraction(1, 2))  # floor(|x| + 1/2): half away from zero
    return Fraction(rounded if number >= 0 else -rounded, AGGREGATE_SCALE)


# --- SQL forms ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sql:
    """A piece of SQL with its parameters. Built with `sql(template, *parts)`: each `{}` in the
    template takes a part — another Sql (inlined with its parameters) or a value (a %s parameter)."""

    text: str
    params: tuple = ()


def sql(template: str, *parts: object) -> Sql:
    if "%" in template:
        raise ValueError("SQL templates must not contain %; pass values as parameters")
    pieces = template.split("{}")
    if len(pieces) != len(parts) + 1:
        raise ValueError("template placeholders and parts do not match")
    text, params = [pieces[0]], []
    for part, piece in zip(parts, pieces[1:], strict=True):
        if isinstance(part, Sql):
            text.append(part.text)
            params.extend(part.params)
        else:
            text.append("%s")
            params.append(part)
        text.append(piece)
    return Sql("".join(text), tuple(params))


def join(separator: str, parts: list[Sql]) -> Sql:
    return Sql(separator.join(p.text for p in parts), tuple(v for p in parts for v in p.params))


@dataclass(frozen=True)
class JsonRef:
    """The value at `path` inside the JSON column `column` (already compiled), on `vendor`."""

    vendor: str
    column: Sql
    path: tuple[str, ...]

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def node(self) -> Sql:
        """PostgreSQL: the jsonb value (NULL when missing)."""
        return sql("(" + "{}" + " -> {}" * len(self.path) + ")", self.column, *self.path)

    def text(self) -> Sql:
        """The value as SQL text (PostgreSQL ->>) / SQL value (SQLite json_extract)."""
        if self.postgres:
            return sql("({}" + " -> {}" * (len(self.path) - 1) + " ->> {})", self.column, *self.path)
        return self._sqlite("json_extract")

    def type(self) -> Sql:
        if self.postgres:
            return sql("jsonb_typeof({})", self.node())
        return self._sqlite("json_type")

    def _sqlite(self, function: str) -> Sql:
        # SQLite matches path labels against the key's raw JSON text: Django writes non-ASCII keys
        # escaped ("\u00fc"), other writers may not — so such paths look for both spellings.
        raw = "$" + "".join(f'."{key}"' for key in self.path)
        escaped = "$" + "".join("." + json.dumps(key) for key in self.path)
        if raw == escaped:
            return sql(function + "({}, {})", self.column, raw)
        return sql(f"COALESCE({function}({{}}, {{}}), {function}({{}}, {{}}))", self.column, raw, self.column, escaped)


def present_sql(ref: JsonRef) -> Sql:
    """Mirror of `json_at(...) is not MISSING`."""
    return sql("{} <> 'null'", ref.type())


def string_eq_sql(ref: JsonRef, values: list[str]) -> Sql:
    """Mirror of `string_of(v) in values`: a JSON string, compared exactly."""
    if ref.postgres:
        if not any(map(_text_of_other_json, values)):
            # Only a JSON string reads as this text (`->>`): comparing text is exact, and cheaper
            # than building and comparing a jsonb value per row ("plan = pro" over 1M profiles).
            literals = join(", ", [sql("{}", v) for v in values])
            text = ref.text()
            return sql("{} = {}", text, literals) if len(values) == 1 else sql("{} IN ({})", text, literals)
        # jsonb equality is type-exact: '"30"' never equals '30'.
        literals = join(", ", [sql("{}::jsonb", _json_string(v)) for v in values])
        return sql("{} = {}", ref.node(), literals) if len(values) == 1 else sql("{} IN ({})", ref.node(), literals)
    literals = join(", ", [sql("{}", v) for v in values])
    test = sql("{} = {}", ref.text(), literals) if len(values) == 1 else sql("{} IN ({})", ref.text(), literals)
    return sql("({} = 'text' AND {})", ref.type(), test)


def text_match_sql(ref: JsonRef, kind: str, needle: str) -> Sql:
    """Mirror of `text_matches(kind, string_of(v), needle)`."""
    if ref.postgres:
        return sql(
            "({} = 'string' AND lower({} COLLATE \"C\") LIKE {} ESCAPE '\\')",
            ref.type(),
            ref.text(),
            like_pattern(kind, needle),
        )
    # SQLite's LIKE folds ASCII letters only — the same folding.
    return sql("({} = 'text' AND {} LIKE {} ESCAPE '\\')", ref.type(), ref.text(), like_pattern(kind, needle))


def column_text_match_sql(vendor: str, column: Sql, kind: str, needle: str) -> Sql:
    """`text_matches` over a text column."""
    if vendor == "postgresql":
        return sql("lower({} COLLATE \"C\") LIKE {} ESCAPE '\\'", column, like_pattern(kind, needle))
    return sql("{} LIKE {} ESCAPE '\\'", column, like_pattern(kind, needle))


def boolean_eq_sql(ref: JsonRef, value: bool) -> Sql:
    """Mirror of `boolean_of(v) is value`."""
    if ref.postgres:
        return sql("{} = {}::jsonb", ref.node(), "true" if value else "false")
    return sql("{} = {}", ref.type(), "true" if value else "false")


def number_sql(ref: JsonRef) -> Sql:
    """Mirror of `number_of(v)`: the number, or NULL. The casts only run on values that passed
    the checks before them (nested CASE), so a bad value can never raise an error."""
    if ref.postgres:
        return sql(
            "CASE {} WHEN 'number' THEN {}::numeric WHEN 'string' THEN CASE WHEN {} ~ {} THEN {}::numeric END END",
            ref.type(),
            ref.text(),
            ref.text(),
            NUMERIC_STRING,
            ref.text(),
        )
    return sql(
        "CASE {} WHEN 'integer' THEN {} WHEN 'real' THEN {} WHEN 'text' THEN "
        "CASE WHEN {} REGEXP {} THEN CAST({} AS NUMERIC) END END",
        ref.type(),
        ref.text(),
        ref.text(),
        ref.text(),
        NUMERIC_STRING,
        ref.text(),
    )


def _sql_literal(text: str) -> str:
    """A PostgreSQL string constant (an escape string: the same whatever
    standard_conforming_strings says)."""
    return "E'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def moment_sql(ref: JsonRef) -> Sql:
    """Mirror of `moment_of(v)`: PostgreSQL a timestamptz (the MOMENT_FUNCTION, which
    segments.pg.index_trait_dates indexes), SQLite seconds since the epoch; NULL when the value
    is not a date-time. Checked in order: the pattern, then the calendar (2024-02-30 is not a
    date), then the parse; the fraction of a second is dropped before parsing (never rounded up)."""
    text = ref.text()
    if ref.postgres:
        return sql(MOMENT_FUNCTION + "({})", text)
    # SQLite's unixepoch() is NULL past 9999-12-31 23:59:59 by itself.
    return sql(
        "CASE WHEN {} REGEXP {} THEN CASE WHEN date(julianday(substr({}, 1, 10))) = substr({}, 1, 10) "
        "THEN unixepoch(substr({}, 1, 19) || ltrim(substr({}, 20), '.0123456789')) END END",
        text,
        MOMENT,
        text,
        text,
        text,
        text,
    )


# PostgreSQL's moment_sql: a function, so that an index can hold its value for a trait
# (segments.pg.index_trait_dates) and the text is read from the JSON once. IMMUTABLE although
# the casts it calls are only STABLE: they depend on settings (TimeZone, DateStyle) and on
# special words ('now') only for texts that MOMENT rejects or that name no zone, which it reads
# as UTC itself. Installed by a migration (segments 0007); whoever changes the body must add one
# that installs it again and rebuilds the indexes that hold its values (the tests compare this
# body with the installed one and with the digest the latest such migration records).
MOMENT_FUNCTION = "shoal_moment"
_FRACTION = r"\.[0-9]+"
MOMENT_FUNCTION_BODY = f"""
DECLARE
    year int;
    month int;
    bare text;
    instant timestamptz;
BEGIN
    IF value !~ {_sql_literal(MOMENT)} THEN
        RETURN NULL;
    END IF;
    year := substr(value, 1, 4)::int;
    month := substr(value, 6, 2)::int;
    -- Past the month's last day is not a date (2025-02-29).
    IF substr(value, 9, 2)::int > (make_date(year, month, 1) + interval '1 month')::date - make_date(year, month, 1) THEN
        RETURN NULL;
    END IF;
    bare := CASE WHEN strpos(value, '.') > 0 THEN regexp_replace(value, {_sql_literal(_FRACTION)}, '') ELSE value END;
    IF length(bare) IN (10, 19) THEN  -- no zone: UTC
        instant := bare::timestamp AT TIME ZONE 'UTC';
    ELSE
        instant := bare::timestamptz;
    END IF;
    -- Past the last second of year 9999 (after an offset) is not a date-time.
    RETURN CASE WHEN instant < {_sql_literal(MOMENT_END_SQL)}::timestamptz THEN instant END;
END
"""


def moment_function_ddl() -> str:
    return (
        f"CREATE OR REPLACE FUNCTION {MOMENT_FUNCTION}(value text) RETURNS timestamptz "
        f"LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $body${MOMENT_FUNCTION_BODY}$body$"
    )


# A date-time string's first ten characters are its local date (MOMENT), and its zone offset is
# under 15 hours, so its instant lies within a day and 15 hours of that date's midnight.
MOMENT_PREFIX_SLACK = timedelta(days=2)


def moment_prefix_sql(ref: JsonRef, comparisons: list[tuple[str, datetime]]) -> Sql | None:
    """A cheap condition that every value passing `moment_sql op bound` for all `comparisons`
    also passes: its date prefix, compared as text with the bounds' dates widened by
    MOMENT_PREFIX_SLACK (years have four digits, so text order is date order). Put before the
    exact test, it spares the full parse of the values that are far from the window (a
    `within_last` over a million profiles parses the few near it). None: nothing to narrow."""
    parts = []
    for op, bound in comparisons:
        try:
            if op in (">", ">="):
                parts.append(("{} >= {}", (bound - MOMENT_PREFIX_SLACK).date().isoformat()))
            elif op in ("<", "<="):
                parts.append(("{} <= {}", (bound + MOMENT_PREFIX_SLACK).date().isoformat()))
        except OverflowError:  # a bound at the end of the calendar narrows nothing
            continue
    if not parts:
        return None
    prefix = moment_prefix(ref)
    return join(" AND ", [sql(template, prefix, day) for template, day in parts])


def moment_prefix(ref: JsonRef) -> Sql:
    """The first ten characters of the value's text (its date, when it is a date-time), as
    moment_prefix_sql compares them."""
    text = ref.text()
    return sql('left({}, 10) COLLATE "C"', text) if ref.postgres else sql("substr({}, 1, 10)", text)


def moment_bound_sql(vendor: str, op: str, bound: datetime) -> object:
    """The parameter a moment_sql value is compared with (`moment_sql op bound`): a datetime on
    PostgreSQL; on SQLite whole seconds, rounded so that the integer comparison is exact."""
    if vendor == "postgresql":
        return bound
    whole, rest = divmod(micros(bound), 1_000_000)
    if rest == 0:
        return whole
    # x < b and x >= b for integer x need ceil(b); x <= b and x > b need floor(b).
    return whole + 1 if op in ("<", ">=") else whole


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _text_of_other_json(value: str) -> bool:
    """Whether `value` could be the text (`->>`) of a JSON value that is not a string: a number,
    true, false, an object or an array (anything JSON can parse as something other than a
    string; erring on the side of yes)."""
    stripped = value.strip()
    if stripped.startswith(("{", "[")):
        return True
    try:
        return not isinstance(json.loads(value), str)
    except ValueError:
        return False
