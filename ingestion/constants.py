"""Limits and vocabularies of the tracking API (documented in docs/tracking-api.md)."""

from datetime import timedelta

# The name an event is known by in event conditions and daily rollups: `track` events by their
# name; `page` and `screen` calls as these names (Segment's conventions). Event.known_as stores it.
TRACK_EVENT_TYPE = "track"
VIEW_EVENT_NAMES = {"page": "Page Viewed", "screen": "Screen Viewed"}

# Segment's HTTP Tracking API limits.
MAX_EVENT_BYTES = 32 * 1024
MAX_BATCH_BYTES = 500 * 1024
MAX_BATCH_EVENTS = 2500
# Further guards of ours.
MAX_NESTING_DEPTH = 32
MAX_MESSAGE_ID_LENGTH = 255
MAX_IDENTIFIER_LENGTH = 255
MAX_EVENT_NAME_LENGTH = 255
# A timestamp further in the future than this (after clock-skew correction) is replaced by
# receivedAt and a warning recorded; one before MIN_YEAR is rejected.
MAX_FUTURE_SKEW = timedelta(hours=24)
MIN_YEAR = 1970

EVENT_TYPES = ("identify", "track", "page", "screen", "group", "alias")

WRITE_KEY_CACHE_SECONDS = 10
DOORBELL_CACHE_KEY = "ingestion:doorbell"
DOORBELL_COALESCE_SECONDS = 5
PROCESS_BATCH_SIZE = 500
SWEEP_INTERVAL_SECONDS = 5.0
RETRY_AFTER_SECONDS = 5


class SourceKind:
    WEB = "web"
    MOBILE = "mobile"
    SERVER = "server"
    CRM = "crm"
    EMAIL = "email"
    POS = "pos"
    CHOICES = [
        (WEB, "Website"),
        (MOBILE, "Mobile app"),
        (SERVER, "Server"),
        (CRM, "CRM"),
        (EMAIL, "Email"),
        (POS, "Point of sale"),
    ]


class WarningCode:
    """Why an event was rejected or altered. Stable: stewards filter on these."""

    INVALID_EVENT = "invalid_event"
    MISSING_IDENTITY = "missing_identity"
    EVENT_TOO_LARGE = "event_too_large"
    TOO_DEEP = "too_deep"
    BAD_TIMESTAMP = "bad_timestamp"
    FUTURE_TIMESTAMP = "future_timestamp"
    NUL_STRIPPED = "nul_stripped"
    SUPPRESSED = "suppressed"
    CHOICES = [
        (INVALID_EVENT, "Invalid event"),
        (MISSING_IDENTITY, "No userId or anonymousId"),
        (EVENT_TOO_LARGE, "Event larger than 32 KB"),
        (TOO_DEEP, "Properties nested too deeply"),
        (BAD_TIMESTAMP, "Unreadable or impossible timestamp"),
        (FUTURE_TIMESTAMP, "Timestamp in the future (replaced)"),
        (NUL_STRIPPED, "NUL characters removed"),
        (SUPPRESSED, "From an erased person (suppressed)"),
    ]
