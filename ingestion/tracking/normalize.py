"""Turn one Segment-spec message into a NormalizedEvent, or say why it is rejected.

Pure functions (no database): every rule about what the tracking API accepts lives here and is
documented in docs/tracking-api.md.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson

from ingestion.constants import (
    EVENT_TYPES,
    MAX_EVENT_BYTES,
    MAX_EVENT_NAME_LENGTH,
    MAX_FUTURE_SKEW,
    MAX_IDENTIFIER_LENGTH,
    MAX_MESSAGE_ID_LENGTH,
    MAX_NESTING_DEPTH,
    MIN_YEAR,
    WarningCode,
)


@dataclass
class NormalizedEvent:
    message_id: str
    type: str
    name: str
    user_id: str | None
    anonymous_id: str | None
    group_id: str | None
    previous_id: str | None
    properties: dict
    traits: dict
    context: dict
    timestamp: datetime
    original_timestamp: datetime | None
    sent_at: datetime | None
    received_at: datetime


@dataclass
class Notice:
    """A warning about one message: rejected (dropped) or kept with a change."""

    code: str
    message: str
    rejected: bool
    message_id: str = ""
    event_type: str = ""
    excerpt: str = ""


class Rejected(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Outcome:
    event: NormalizedEvent | None
    notices: list[Notice] = field(default_factory=list)


def parse_timestamp(value, what: str) -> datetime | None:
    """ISO-8601 (with or without zone; naive means UTC) or epoch milliseconds → aware UTC."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, (int, float)):
            parsed = datetime.fromtimestamp(value / 1000, tz=UTC)
        elif isinstance(value, str):
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        else:
            raise ValueError
    except (ValueError, OverflowError, OSError):
        raise Rejected(WarningCode.BAD_TIMESTAMP, f"{what} is not an ISO-8601 date-time: {str(value)[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    parsed = parsed.astimezone(UTC)
    if parsed.year < MIN_YEAR:
        raise Rejected(WarningCode.BAD_TIMESTAMP, f"{what} is before {MIN_YEAR}: {value!r}")
    return parsed


def _identifier(value, what: str) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise Rejected(WarningCode.INVALID_EVENT, f"{what} must be a string or a number")
    text = str(value).strip() if isinstance(value, str) else str(value)
    if len(text) > MAX_IDENTIFIER_LENGTH:
        raise Rejected(WarningCode.INVALID_EVENT, f"{what} is longer than {MAX_IDENTIFIER_LENGTH} characters")
    return text or None


def _object(value, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Rejected(WarningCode.INVALID_EVENT, f"{what} must be a JSON object")
    return value


def _depth(value, limit: int) -> int:
    """Nesting depth of a JSON value, stopping early past `limit`."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(node, dict):
            stack.extend((child, depth + 1) for child in node.values())
        elif isinstance(node, list):
            stack.extend((child, depth + 1) for child in node)
    return deepest


def _strip_nul(value):
    """PostgreSQL cannot store U+0000 in text or jsonb: remove it from keys and strings."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_strip_nul(k): _strip_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strip_nul(v) for v in value]
    return value


def excerpt_of(item) -> str:
    try:
        return orjson.dumps(item, option=orjson.OPT_NON_STR_KEYS).decode()[:2000]
    except (TypeError, orjson.JSONEncodeError):
        return repr(item)[:2000]


def normalize(
    item,
    *,
    forced_type: str | None,
    received_at: datetime,
    batch_sent_at: datetime | None = None,
    batch_context: dict | None = None,
) -> Outcome:
    """One message → Outcome(event or None, notices). Never raises for bad input."""
    message_id = ""
    event_type = forced_type or ""
    try:
        if not isinstance(item, dict):
            raise Rejected(WarningCode.INVALID_EVENT, "each event must be a JSON object")
        event_type = forced_type or (item.get("type") if isinstance(item.get("type"), str) else "")
        raw_message_id = item.get("messageId")
        if raw_message_id not in (None, ""):
            message_id = str(raw_message_id)[:MAX_MESSAGE_ID_LENGTH]
        return _normalize(item, event_type, message_id, received_at, batch_sent_at, batch_context)
    except Rejected as rejection:
        return Outcome(
            None,
            [Notice(rejection.code, rejection.message, True, message_id, event_type[:16], excerpt_of(item))],
        )


def _normalize(item, event_type, message_id, received_at, batch_sent_at, batch_context) -> Outcome:
    notices: list[Notice] = []
    if event_type not in EVENT_TYPES:
        raise Rejected(WarningCode.INVALID_EVENT, f"type must be one of {', '.join(EVENT_TYPES)}; got {event_type!r}")
    dumped = orjson.dumps(item, option=orjson.OPT_NON_STR_KEYS)
    size = len(dumped)
    if size > MAX_EVENT_BYTES:
        raise Rejected(WarningCode.EVENT_TOO_LARGE, f"event is {size} bytes; the limit is {MAX_EVENT_BYTES}")
    if _depth(item, MAX_NESTING_DEPTH) > MAX_NESTING_DEPTH:
        raise Rejected(WarningCode.TOO_DEEP, f"event is nested deeper than {MAX_NESTING_DEPTH} levels")
    raw_message_id = item.get("messageId")
    if raw_message_id not in (None, "") and len(str(raw_message_id)) > MAX_MESSAGE_ID_LENGTH:
        raise Rejected(WarningCode.INVALID_EVENT, f"messageId is longer than {MAX_MESSAGE_ID_LENGTH} characters")

    if b"\\u0000" in dumped:  # orjson writes U+0000 as \u0000: only then is there anything to strip
        cleaned = _strip_nul(item)
        if cleaned != item:
            notices.append(
                Notice(
                    WarningCode.NUL_STRIPPED, "NUL characters were removed from strings", False, message_id, event_type
                )
            )
            item = cleaned

    user_id = _identifier(item.get("userId"), "userId")
    anonymous_id = _identifier(item.get("anonymousId"), "anonymousId")
    if event_type != "alias" and not (user_id or anonymous_id):
        raise Rejected(WarningCode.MISSING_IDENTITY, "every event needs a userId or an anonymousId")
    properties = _object(item.get("properties"), "properties")
    traits = _object(item.get("traits"), "traits")
    context = {**(batch_context or {}), **_object(item.get("context"), "context")}
    name = ""
    group_id = previous_id = None
    if event_type == "track":
        event = item.get("event")
        if not isinstance(event, str) or not event.strip():
            raise Rejected(WarningCode.INVALID_EVENT, "a track call needs an event name")
        name = event.strip()
    elif event_type in ("page", "screen"):
        raw_name = item.get("name")
        if raw_name is not None and not isinstance(raw_name, str):
            raise Rejected(WarningCode.INVALID_EVENT, f"a {event_type} name must be a string")
        name = (raw_name or "").strip()
    elif event_type == "group":
        group_id = _identifier(item.get("groupId"), "groupId")
        if not group_id:
            raise Rejected(WarningCode.INVALID_EVENT, "a group call needs a groupId")
    elif event_type == "alias":
        previous_id = _identifier(item.get("previousId"), "previousId")
        if not previous_id:
            raise Rejected(WarningCode.INVALID_EVENT, "an alias call needs a previousId")
        if not user_id:
            raise Rejected(WarningCode.MISSING_IDENTITY, "an alias call needs a userId")
    if len(name) > MAX_EVENT_NAME_LENGTH:
        raise Rejected(WarningCode.INVALID_EVENT, f"event name is longer than {MAX_EVENT_NAME_LENGTH} characters")

    original_timestamp = parse_timestamp(item.get("timestamp") or item.get("originalTimestamp"), "timestamp")
    sent_at = parse_timestamp(item.get("sentAt"), "sentAt") or batch_sent_at
    if original_timestamp is None:
        timestamp = received_at
    elif sent_at is not None:
        # Correct the device clock: the event happened (sentAt - timestamp) before it was sent,
        # and it was sent when we received it.
        timestamp = received_at - (sent_at - original_timestamp)
    else:
        timestamp = original_timestamp  # an explicit (historical) timestamp is kept as given
    if timestamp - received_at > MAX_FUTURE_SKEW:
        notices.append(
            Notice(
                WarningCode.FUTURE_TIMESTAMP,
                f"timestamp {timestamp.isoformat()} is in the future; receivedAt was used instead",
                False,
                message_id,
                event_type,
            )
        )
        timestamp = received_at

    return Outcome(
        NormalizedEvent(
            message_id=message_id or str(uuid.uuid4()),
            type=event_type,
            name=name,
            user_id=user_id,
            anonymous_id=anonymous_id,
            group_id=group_id,
            previous_id=previous_id,
            properties=properties,
            traits=traits,
            context=context,
            timestamp=timestamp,
            original_timestamp=original_timestamp,
            sent_at=sent_at,
            received_at=received_at,
        ),
        notices,
    )
