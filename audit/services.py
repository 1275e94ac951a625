"""Writing the audit log: `audit_record` is the one entry point (append only)."""

from __future__ import annotations

import hashlib
import hmac
import logging

from django.conf import settings

from audit.constants import FORBIDDEN_DETAIL_KEYS
from audit.context import current_request, request_id_of
from audit.models import AuditEntry

logger = logging.getLogger(__name__)


def keyed_hash(value: str, *, purpose: str, length: int = 32) -> str:
    """HMAC-SHA256 of `value` under a key derived from SECRET_KEY for `purpose` (hex, truncated):
    lets entries be grouped by a value (an address, a mistyped username) without storing it."""
    key = hashlib.sha256(f"shoal-audit:{purpose}:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:length]


def client_ip(request) -> str:
    """The client address as axes sees it (TRUSTED_PROXY_COUNT honoured)."""
    try:
        from axes.helpers import get_client_ip_address

        return get_client_ip_address(request) or ""
    except Exception:
        return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def actor_of(request):
    """(user or None, label) of whoever made `request`: a signed-in user or an API key."""
    user = getattr(request, "user", None) if request is not None else None
    if user is None or not getattr(user, "is_authenticated", False):
        return None, ""
    api_key = getattr(user, "api_key", None)
    if api_key is not None:
        return None, f"api-key:{api_key.prefix}"
    return user, user.get_username()


def _clean(details: dict | None) -> dict:
    if not details:
        return {}
    return {k: v for k, v in details.items() if k.lower() not in FORBIDDEN_DETAIL_KEYS}


def audit_record(
    *,
    action: str,
    actor=None,
    target=None,
    target_type: str = "",
    target_id: str | int | None = None,
    details: dict | None = None,
    request=None,
    actor_label: str = "",
) -> AuditEntry:
    """Append one entry. `actor` defaults to the user (or API key) of the request being handled;
    `target` is a model instance (its model name and pk are stored), or give target_type /
    target_id. `details` must hold no raw personal data: ids, names of things, field names.

    Written in the caller's transaction: an action rolled back leaves no entry.
    """
    request = request if request is not None else current_request()
    if actor is None and not actor_label:
        actor, actor_label = actor_of(request)
    elif actor is not None and not actor_label:
        actor_label = actor.get_username() if hasattr(actor, "get_username") else str(actor)
    if target is not None:
        target_type = target_type or target._meta.model_name
        target_id = target.pk
    ip = client_ip(request) if request is not None else ""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label[:150],
        action=action,
        target_type=target_type[:64],
        target_id="" if target_id is None else str(target_id)[:64],
        details=_clean(details),
        ip_hash=keyed_hash(ip, purpose="ip") if ip else "",
        request_id=request_id_of(request)[:64],
    )
