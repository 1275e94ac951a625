"""Shared steps of the privacy services: errors, the trail, the audit, finding the person."""

from __future__ import annotations

from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from privacy.constants import (
    IDENTIFIER_KINDS,
    RequestStatus,
)
from privacy.hashing import normalize_identifier
from privacy.models import (
    DataSubjectRequest,
    RequestEvent,
)
from privacy.registry import Person


class RequestError(ValueError):
    """A request cannot take this step (wrong kind or status, bad input): the message says why."""


# --- helpers --------------------------------------------------------------------------------------


def _audit(action_name: str, *, actor=None, target=None, details: dict | None = None) -> None:
    """Record in the audit log (audit.services.audit_record), in the caller's transaction."""
    try:
        from audit.constants import AuditAction
        from audit.services import audit_record
    except ImportError:  # pragma: no cover - the audit app is part of Shoal
        return
    action = getattr(AuditAction, action_name)
    audit_record(action=action, actor=actor if getattr(actor, "pk", None) else None, target=target, details=details)


def _trail(request: DataSubjectRequest, action: str, actor=None, message: str = "", details: dict | None = None):
    return RequestEvent.objects.create(
        request=request,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        message=message[:500],
        details=details or {},
    )


def due_date(received_at: datetime) -> datetime:
    """One calendar month after receipt (GDPR Art. 12(3)); the 31st falls back to the month's end."""
    return received_at + relativedelta(months=1)


def identifier_kinds() -> list[tuple[str, str]]:
    """Kinds a request may name: built-ins and the steward's identifier traits."""
    from profiles.settings import profile_config

    extra = [(key, key) for key in profile_config().identifier_traits]
    return IDENTIFIER_KINDS + extra


def person_resolve(identifier_kind: str, identifier_value: str) -> Person | None:
    """The person an identifier names: their live profile, every profile merged into it (at any
    depth) and all their identifiers. None when no profile carries the identifier."""
    from profiles.models import Identity, Profile

    if identifier_kind == "profile_id":
        try:
            start = Profile.objects.filter(pk=int(str(identifier_value).strip())).first()
        except ValueError:
            return None
    else:
        value = normalize_identifier(identifier_kind, identifier_value)
        identity = Identity.objects.filter(kind=identifier_kind, value=value).select_related("profile").first()
        start = identity.profile if identity else None
    if start is None:
        return None
    live = start
    seen = {live.pk}
    while live.merged_into_id and live.merged_into_id not in seen:
        live = Profile.objects.get(pk=live.merged_into_id)
        seen.add(live.pk)
    ids = {live.pk}
    frontier = {live.pk}
    while frontier:
        frontier = set(Profile.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    identifiers = set(Identity.objects.filter(profile_id__in=ids).values_list("kind", "value"))
    return Person(frozenset(ids), frozenset(identifiers))


def _live_profile_id(person: Person | None) -> int | None:
    from profiles.models import Profile

    if person is None:
        return None
    return (
        Profile.objects.filter(pk__in=person.profile_ids, merged_into__isnull=True).values_list("pk", flat=True).first()
    )


def _require(request: DataSubjectRequest, *, kinds=None, statuses=None) -> None:
    if kinds and request.kind not in kinds:
        raise RequestError(f"this step is for {' or '.join(kinds)} requests; this one is {request.kind}")
    if statuses and request.status not in statuses:
        labels = dict(RequestStatus.CHOICES)
        raise RequestError(
            f"the request is {labels[request.status].lower()}; this step needs it "
            + " or ".join(labels[s].lower() for s in statuses)
        )


def _set_status(request, status: str, action: str, actor, message: str) -> DataSubjectRequest:
    with transaction.atomic():
        request.status = status
        fields = ["status"]
        if status in RequestStatus.CLOSED:
            request.completed_at = timezone.now()
            fields.append("completed_at")
        request.save(update_fields=fields)
        _trail(request, action, actor, message)
        _audit("PRIVACY_REQUEST_HANDLED", actor=actor, target=request, details={"kind": request.kind, "step": action})
    return request


def _person_of(request: DataSubjectRequest) -> Person:
    person = person_resolve(request.identifier_kind, request.identifier_value) if request.identifier_value else None
    if person is None and request.profile_id:
        person = person_resolve("profile_id", str(request.profile_id))
    if person is None:
        raise RequestError("no profile carries this identifier: there is nothing to export or change")
    return person
