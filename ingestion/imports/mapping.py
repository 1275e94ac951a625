"""Column mapping: what each column means, suggestions from header names, and turning one row
into a Segment `identify` message (or per-cell errors).

Pure functions (no database); the configured identifier traits are passed in.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

import orjson

from ingestion.imports.constants import (
    ANONYMOUS_ID_HEADERS,
    EMAIL_HEADERS,
    FALSE_WORDS,
    LIBRARY,
    MAX_TRAIT_KEY_LENGTH,
    PHONE_HEADERS,
    TIMESTAMP_HEADERS,
    TRUE_WORDS,
    USER_ID_HEADERS,
    Target,
    TraitType,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
TRAIT_KEY_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_INTEGER_RE = re.compile(r"^[-+]?\d+$")
_NUMBER_RE = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MappingError(ValueError):
    """The mapping as a whole is not usable (not a problem of one row)."""


@dataclass(frozen=True)
class ColumnTarget:
    kind: str
    key: str = ""  # identifier or trait key
    type: str = TraitType.STRING  # for traits

    @property
    def code(self) -> str:
        if self.kind == Target.IDENTIFIER:
            return f"identifier:{self.key}"
        if self.kind == Target.TRAIT:
            return f"trait:{self.key}" if self.type == TraitType.STRING else f"trait:{self.key}:{self.type}"
        return self.kind

    @property
    def is_identifier(self) -> bool:
        return self.kind in (Target.USER_ID, Target.ANONYMOUS_ID, Target.EMAIL, Target.IDENTIFIER)

    @property
    def label(self) -> str:
        if self.kind == Target.TRAIT:
            types = dict(TraitType.CHOICES)
            return f"Trait {self.key}" + ("" if self.type == TraitType.STRING else f" ({types[self.type].lower()})")
        if self.kind == Target.IDENTIFIER:
            return f"Identifier {self.key}"
        return Target.LABELS[self.kind]


SKIP = ColumnTarget(Target.SKIP)


def snake_case(header: str) -> str:
    text = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").lower()
    return text[:MAX_TRAIT_KEY_LENGTH]


def parse_target(code: str, identifier_traits: tuple[str, ...] = ()) -> ColumnTarget:
    """`email`, `identifier:phone`, `trait:age`, `trait:age:number`, `skip`… → ColumnTarget."""
    text = (code or "").strip()
    kind, _, rest = text.partition(":")
    if kind in (Target.SKIP, Target.USER_ID, Target.ANONYMOUS_ID, Target.EMAIL, Target.TIMESTAMP) and not rest:
        return ColumnTarget(kind)
    if kind == Target.IDENTIFIER:
        if rest not in identifier_traits:
            configured = ", ".join(identifier_traits) or "none are configured"
            raise MappingError(f"{rest!r} is not a configured identifier trait ({configured})")
        return ColumnTarget(kind, rest)
    if kind == Target.TRAIT:
        key, _, trait_type = rest.partition(":")
        return trait_target(key, trait_type or TraitType.STRING, identifier_traits)
    raise MappingError(
        f"unknown target {text!r}; use user_id, anonymous_id, email, identifier:<key>, trait:<key>[:type], "
        "timestamp or skip"
    )


def trait_target(key: str, trait_type: str, identifier_traits: tuple[str, ...] = ()) -> ColumnTarget:
    key = key.strip()
    if not key:
        raise MappingError("a trait needs a name")
    if len(key) > MAX_TRAIT_KEY_LENGTH or not TRAIT_KEY_RE.match(key):
        raise MappingError(
            f"trait name {key!r} may use letters, digits, _ and - (up to {MAX_TRAIT_KEY_LENGTH} characters)"
        )
    if key == "email":
        raise MappingError("map the email column as Email, not as a trait")
    if key in identifier_traits:
        raise MappingError(f"{key!r} is an identifier trait; map it as Identifier {key}")
    if trait_type not in dict(TraitType.CHOICES):
        raise MappingError(f"trait type must be one of {', '.join(dict(TraitType.CHOICES))}; got {trait_type!r}")
    return ColumnTarget(Target.TRAIT, key, trait_type)


def check_mapping(targets: list[ColumnTarget], headers: list[str]) -> None:
    """Whole-mapping rules: one column per built-in target and per key, and an identifier."""
    if len(targets) != len(headers):
        raise MappingError(f"the mapping has {len(targets)} columns; the file has {len(headers)}")
    seen: dict[str, str] = {}
    for target, header in zip(targets, headers, strict=True):
        if target.kind == Target.SKIP:
            continue
        slot = target.kind if target.kind in Target.SINGLE else f"key:{target.key}"
        if slot in seen:
            raise MappingError(f"columns {seen[slot]!r} and {header!r} both map to {target.label}; keep one")
        seen[slot] = header
    if not any(t.is_identifier for t in targets):
        raise MappingError("map at least one column to User ID, Email, Anonymous ID or an identifier trait")


def suggest_target(header: str, samples: list[str], identifier_traits: tuple[str, ...]) -> ColumnTarget:
    name = snake_case(header)
    if name in EMAIL_HEADERS:
        return ColumnTarget(Target.EMAIL)
    if name in USER_ID_HEADERS:
        return ColumnTarget(Target.USER_ID)
    if name in ANONYMOUS_ID_HEADERS:
        return ColumnTarget(Target.ANONYMOUS_ID)
    if name in identifier_traits:
        return ColumnTarget(Target.IDENTIFIER, name)
    if name in PHONE_HEADERS and "phone" in identifier_traits:
        return ColumnTarget(Target.IDENTIFIER, "phone")
    if name in TIMESTAMP_HEADERS:
        return ColumnTarget(Target.TIMESTAMP)
    key = name or "column"
    if key == "email" or key in identifier_traits:
        key = f"{key}_2"
    return ColumnTarget(Target.TRAIT, key, guess_type(samples))


def suggest_mapping(headers: list[str], samples: list[list[str]], identifier_traits: tuple[str, ...]) -> list:
    """One suggestion per column; a second column that would take a taken slot is skipped."""
    targets: list[ColumnTarget] = []
    taken: set[str] = set()
    for position, header in enumerate(headers):
        target = suggest_target(header, samples[position] if position < len(samples) else [], identifier_traits)
        slot = target.kind if target.kind in Target.SINGLE else f"key:{target.key}"
        if slot in taken:
            target = SKIP
        taken.add(slot)
        targets.append(target)
    return targets


def guess_type(samples: list[str]) -> str:
    values = [s.strip() for s in samples if s.strip()]
    if not values:
        return TraitType.STRING
    if all(v.lower() in TRUE_WORDS | FALSE_WORDS for v in values) and not all(v in ("0", "1") for v in values):
        return TraitType.BOOLEAN
    # No leading zeros: zip codes and phone numbers stay text.
    if all(_NUMBER_RE.match(v) and not re.match(r"^[-+]?0\d", v) for v in values):
        return TraitType.NUMBER
    if all(_DATE_RE.match(v) for v in values):
        return TraitType.DATE
    return TraitType.STRING


# --- converting cells -------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _shown(value: str) -> str:
    return repr(value if len(value) <= 40 else value[:40] + "…")


def convert(value: str, trait_type: str, header: str):
    if trait_type == TraitType.STRING:
        return value
    if trait_type == TraitType.NUMBER:
        cleaned = value.replace(" ", "")
        if not _NUMBER_RE.match(cleaned):
            raise CellError(f"{header} {_shown(value)} is not a number")
        if _INTEGER_RE.match(cleaned):
            return int(cleaned)
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise CellError(f"{header} {_shown(value)} is not a number") from None
        if not number.is_finite():
            raise CellError(f"{header} {_shown(value)} is not a number")
        return int(number) if number == number.to_integral_value() and abs(number) < 2**53 else float(number)
    if trait_type == TraitType.BOOLEAN:
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise CellError(f"{header} {_shown(value)} is not yes/no (use true/false, yes/no or 1/0)")
    if trait_type == TraitType.DATE:
        return parse_date(value, header)
    raise CellError(f"unknown type {trait_type!r}")  # pragma: no cover


def parse_date(value: str, header: str) -> str:
    """A date (YYYY-MM-DD) or an ISO-8601 date-time → ISO text (date-times in UTC)."""
    text = value.strip()
    try:
        if _DATE_RE.match(text):
            return date.fromisoformat(text).isoformat()
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise CellError(f"{header} {_shown(value)} is not a date (use YYYY-MM-DD)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_event_time(value: str, header: str) -> str:
    """The "updated at" column: ISO-8601 date or date-time, or Unix time (seconds or ms) → ISO."""
    text = value.strip()
    if _INTEGER_RE.match(text) or re.match(r"^\d+\.\d+$", text):
        number = float(text)
        seconds = number / 1000 if number >= 1e11 else number
        try:
            return datetime.fromtimestamp(seconds, tz=UTC).isoformat().replace("+00:00", "Z")
        except (OverflowError, OSError, ValueError):
            raise CellError(f"{header} {_shown(value)} is not a date-time") from None
    try:
        parsed = parse_date(text, header)
    except CellError:
        raise CellError(f"{header} {_shown(value)} is not a date-time (use ISO-8601 or Unix time)") from None
    return parsed if "T" in parsed else parsed + "T00:00:00Z"


# --- one row → one identify message -------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


def synthetic_anonymous_id(kind: str, value: str) -> str:
    """The tracking spec needs a userId or an anonymousId; a row identified only by email or an
    identifier trait gets a stable anonymousId derived from it (the same person → the same id)."""
    return "import-" + hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()[:32]


def row_message(
    *,
    row: int,
    values: list[str],
    headers: list[str],
    targets: list[ColumnTarget],
    source_id: int,
    fallback_timestamp: str,
    job_id: int | None = None,
) -> tuple[dict | None, list[RowError]]:
    """A Segment identify message for one row, or the row's errors.

    The messageId is a SHA-256 of the source, the mapped identifiers and the mapped values (not of
    the fallback time), so the same row always yields the same event and is stored once.
    """
    errors: list[RowError] = []
    if len(values) > len(headers):
        extra = [v for v in values[len(headers) :] if v.strip()]
        if extra:
            return None, [
                RowError(row, "", f"row has {len(values)} values but the header names {len(headers)} columns")
            ]
    user_id = anonymous_id = None
    event_time = None
    traits: dict = {}
    for value, header, target in zip(values, headers, targets, strict=False):
        value = value.strip()
        if target.kind == Target.SKIP or value == "":
            continue  # empty cells never clear a trait
        try:
            if target.kind == Target.USER_ID:
                user_id = value
            elif target.kind == Target.ANONYMOUS_ID:
                anonymous_id = value
            elif target.kind == Target.EMAIL:
                if not EMAIL_RE.match(value):
                    raise CellError(f"{header} {_shown(value)} is not an email address")
                traits["email"] = value
            elif target.kind == Target.IDENTIFIER:
                traits[target.key] = value
            elif target.kind == Target.TIMESTAMP:
                event_time = parse_event_time(value, header)
            else:
                traits[target.key] = convert(value, target.type, header)
        except CellError as exc:
            errors.append(RowError(row, header, str(exc)))
    if errors:
        return None, errors
    if not (user_id or anonymous_id):
        strongest = _strongest_identifier(traits, targets)
        if strongest is None:
            names = [h for h, t in zip(headers, targets, strict=True) if t.is_identifier]
            listed = " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)
            verb = "is" if len(names) == 1 else "are"
            return None, [RowError(row, "", f"no identifier: {listed} {verb} empty in this row")]
        anonymous_id = synthetic_anonymous_id(*strongest)
    identity = {
        "source": source_id,
        "userId": user_id,
        "anonymousId": anonymous_id,
        "traits": traits,
        "timestamp": event_time,
    }
    digest = hashlib.sha256(orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)).hexdigest()
    message = {
        "type": "identify",
        "messageId": f"csv-{digest}",
        "traits": traits,
        "timestamp": event_time or fallback_timestamp,
        "context": {"library": LIBRARY, "import": {"job": job_id, "row": row}},
    }
    if user_id:
        message["userId"] = user_id
    if anonymous_id:
        message["anonymousId"] = anonymous_id
    return message, []


def _strongest_identifier(traits: dict, targets: list[ColumnTarget]) -> tuple[str, str] | None:
    email = traits.get("email")
    if email:
        return "email", email.strip().lower()
    for target in targets:
        if target.kind == Target.IDENTIFIER and traits.get(target.key):
            return target.key, str(traits[target.key]).strip()
    return None
