"""Audit actions: one slug per kind of thing worth a record. Other apps pass these to
`audit.services.audit_record`; the steward's filter lists them with their labels."""

from __future__ import annotations


class AuditAction:
    LOGIN_SUCCEEDED = "login.succeeded"
    LOGIN_FAILED = "login.failed"
    LOGIN_LOCKED_OUT = "login.locked_out"
    LOGOUT = "logout"
    USER_CREATED = "user.created"
    USER_ROLE_CHANGED = "user.role_changed"
    USER_PERMISSIONS_CHANGED = "user.permissions_changed"
    ROLE_PERMISSIONS_CHANGED = "role.permissions_changed"
    API_KEY_CREATED = "api_key.created"
    API_KEY_REVOKED = "api_key.revoked"
    API_KEY_ROTATED = "api_key.rotated"
    SOURCE_CREATED = "source.created"
    SOURCE_UPDATED = "source.updated"
    SOURCE_KEY_ROTATED = "source.key_rotated"
    SEGMENT_CREATED = "segment.created"
    SEGMENT_UPDATED = "segment.updated"
    SEGMENT_ARCHIVED = "segment.archived"
    SEGMENT_SHARED = "segment.shared"
    CONSENT_CHANGED = "consent.changed"
    CONSENT_PURPOSE_CHANGED = "consent.purpose_changed"
    PRIVACY_REQUEST_RECEIVED = "privacy_request.received"
    PRIVACY_REQUEST_HANDLED = "privacy_request.handled"
    EXPORT = "export"
    PII_REVEALED = "pii.revealed"
    PII_CLASSIFICATION_CHANGED = "pii.classification_changed"

    LABELS: dict[str, str] = {
        LOGIN_SUCCEEDED: "Signed in",
        LOGIN_FAILED: "Sign-in failed",
        LOGIN_LOCKED_OUT: "Locked out after failed sign-ins",
        LOGOUT: "Signed out",
        USER_CREATED: "User created",
        USER_ROLE_CHANGED: "Role changed",
        USER_PERMISSIONS_CHANGED: "User permissions changed",
        ROLE_PERMISSIONS_CHANGED: "Role permissions changed",
        API_KEY_CREATED: "API key created",
        API_KEY_REVOKED: "API key revoked",
        API_KEY_ROTATED: "API key rotated",
        SOURCE_CREATED: "Source created",
        SOURCE_UPDATED: "Source changed",
        SOURCE_KEY_ROTATED: "Write key rotated",
        SEGMENT_CREATED: "Segment created",
        SEGMENT_UPDATED: "Segment edited",
        SEGMENT_ARCHIVED: "Segment archived",
        SEGMENT_SHARED: "Segment sharing changed",
        CONSENT_CHANGED: "Consent changed",
        CONSENT_PURPOSE_CHANGED: "Consent purpose changed",
        PRIVACY_REQUEST_RECEIVED: "Privacy request received",
        PRIVACY_REQUEST_HANDLED: "Privacy request handled",
        EXPORT: "Data exported",
        PII_REVEALED: "Personal data revealed",
        PII_CLASSIFICATION_CHANGED: "PII classification changed",
    }
    CHOICES = list(LABELS.items())


# Keys of `details` that must never be stored (a caller's mistake is dropped, not recorded).
FORBIDDEN_DETAIL_KEYS = frozenset({"password", "raw_key", "api_key", "write_key", "secret", "token", "email", "phone"})

AUDIT_PAGE_SIZE = 50
