"""Vocabularies of data subject requests, suppression and retention (docs/privacy-requests.md)."""

from __future__ import annotations

from ingestion.constants import WarningCode


class RequestKind:
    ACCESS = "access"
    PORTABILITY = "portability"
    ERASURE = "erasure"
    RECTIFICATION = "rectification"
    OBJECTION = "objection"
    CHOICES = [
        (ACCESS, "Access (Art. 15)"),
        (PORTABILITY, "Portability (Art. 20)"),
        (ERASURE, "Erasure (Art. 17)"),
        (RECTIFICATION, "Rectification (Art. 16)"),
        (OBJECTION, "Objection (Art. 21)"),
    ]
    EXPORTING = (ACCESS, PORTABILITY)


class RequestStatus:
    RECEIVED = "received"
    VERIFYING = "verifying"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CHOICES = [
        (RECEIVED, "Received"),
        (VERIFYING, "Verifying identity"),
        (IN_PROGRESS, "In progress"),
        (COMPLETED, "Completed"),
        (REJECTED, "Rejected"),
    ]
    OPEN = (RECEIVED, VERIFYING, IN_PROGRESS)
    CLOSED = (COMPLETED, REJECTED)


class RequestAction:
    """What a trail entry records (RequestEvent.action). Stable: the audit trail reads these."""

    RECEIVED = "received"
    ASSIGNED = "assigned"
    VERIFYING = "verifying"
    VERIFIED = "verified"
    NOTE = "note"
    EXPORTED = "exported"
    ERASED = "erased"
    RECTIFIED = "rectified"
    OBJECTED = "objected"
    COMPLETED = "completed"
    REJECTED = "rejected"
    WEBHOOK = "webhook"
    CHOICES = [
        (RECEIVED, "Request received"),
        (ASSIGNED, "Assigned"),
        (VERIFYING, "Identity verification started"),
        (VERIFIED, "Identity verified"),
        (NOTE, "Note"),
        (EXPORTED, "Data exported"),
        (ERASED, "Data erased"),
        (RECTIFIED, "Data rectified"),
        (OBJECTED, "Objection recorded"),
        (COMPLETED, "Completed"),
        (REJECTED, "Rejected"),
        (WEBHOOK, "Destination notified"),
    ]


# Identifier kinds a request can name (besides steward-configured identifier traits).
IDENTIFIER_KINDS = [
    ("email", "Email"),
    ("user_id", "User id"),
    ("anonymous_id", "Anonymous id"),
    ("profile_id", "Profile id"),
]

# An ingestion warning's code for an event dropped because an identifier is suppressed.
SUPPRESSED_WARNING_CODE = WarningCode.SUPPRESSED
SUPPRESSED_WARNING_MESSAGE = "Dropped: an identifier of this event belongs to an erased person (suppression list)."

# The per-process memo of suppression hashes (seconds): a new entry reaches other processes
# within this time; the worker pipeline checks again before applying an event.
SUPPRESSION_CACHE_SECONDS = 5.0

# Retention job: rows deleted per statement.
RETENTION_CHUNK = 5000

# Erasure webhooks.
WEBHOOK_EVENT_TYPE = "profile.erased"
WEBHOOK_TIMEOUT_SECONDS = 10
WEBHOOK_MAX_RETRIES = 8


class DeliveryStatus:
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    CHOICES = [(PENDING, "Pending"), (DELIVERED, "Delivered"), (FAILED, "Failed")]
