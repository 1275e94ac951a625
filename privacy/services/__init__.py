"""Writes for data subject requests (docs/privacy-requests.md). Every write records a trail entry
and an audit entry. One module per concern; everything is importable from here."""

from privacy.services.common import (
    RequestError,
    due_date,
    identifier_kinds,
    person_resolve,
)
from privacy.services.configuration import (
    retention_apply,
    retention_policy,
    retention_set,
    webhook_endpoint_create,
    webhook_endpoint_delete,
)
from privacy.services.erasure import request_erase, suppression_remove
from privacy.services.requests import (
    request_assign,
    request_complete,
    request_create,
    request_export,
    request_note,
    request_object,
    request_rectify,
    request_reject,
    request_start_verification,
    request_verify,
)

__all__ = [
    "RequestError",
    "due_date",
    "identifier_kinds",
    "person_resolve",
    "request_assign",
    "request_complete",
    "request_create",
    "request_erase",
    "request_export",
    "request_note",
    "request_object",
    "request_rectify",
    "request_reject",
    "request_start_verification",
    "request_verify",
    "retention_apply",
    "retention_policy",
    "retention_set",
    "suppression_remove",
    "webhook_endpoint_create",
    "webhook_endpoint_delete",
]
