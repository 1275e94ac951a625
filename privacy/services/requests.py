"""The life of a data subject request: log, assign, verify, reject, complete; export (access,
portability), rectification and objection."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from privacy.constants import (
    RequestAction,
    RequestKind,
    RequestStatus,
)
from privacy.hashing import identifier_hash, normalize_identifier
from privacy.models import (
    DataSubjectRequest,
    RequestEvent,
)
from privacy.registry import Person
from privacy.services.common import (
    RequestError,
    _audit,
    _live_profile_id,
    _person_of,
    _require,
    _set_status,
    _trail,
    due_date,
    identifier_kinds,
    person_resolve,
)

# --- lifecycle ----------------------------------------------------------------------------------


def request_create(
    *,
    kind: str,
    identifier_kind: str,
    identifier_value: str,
    actor=None,
    notes: str = "",
    received_at: datetime | None = None,
    assignee=None,
) -> DataSubjectRequest:
    if kind not in dict(RequestKind.CHOICES):
        raise RequestError(f"unknown request kind {kind!r}; choose one of: {', '.join(dict(RequestKind.CHOICES))}")
    kinds = dict(identifier_kinds())
    if identifier_kind not in kinds:
        raise RequestError(f"unknown identifier kind {identifier_kind!r}; choose one of: {', '.join(kinds)}")
    value = str(identifier_value or "").strip()
    if not value:
        raise RequestError("give the identifier the person is known by (an email, a user id…)")
    received_at = received_at or timezone.now()
    with transaction.atomic():
        person = person_resolve(identifier_kind, value)
        request = DataSubjectRequest.objects.create(
            kind=kind,
            identifier_kind=identifier_kind,
            identifier_value=value[:255],
            identifier_hash=identifier_hash(identifier_kind, value),
            profile_id=_live_profile_id(person),
            received_at=received_at,
            due_at=due_date(received_at),
            created_by=actor if getattr(actor, "pk", None) else None,
            assignee=assignee,
            notes=notes,
        )
        _trail(
            request,
            RequestAction.RECEIVED,
            actor,
            "Profile found." if request.profile_id else "No profile carries this identifier (yet).",
            {"profile_id": request.profile_id},
        )
        _audit("PRIVACY_REQUEST_RECEIVED", actor=actor, target=request, details={"kind": kind})
    return request


def request_assign(*, request: DataSubjectRequest, assignee, actor=None) -> DataSubjectRequest:
    request.assignee = assignee
    request.save(update_fields=["assignee"])
    _trail(
        request, RequestAction.ASSIGNED, actor, f"Assigned to {assignee.get_username()}." if assignee else "Unassigned."
    )
    return request


def request_note(*, request: DataSubjectRequest, message: str, actor=None) -> RequestEvent:
    if not message.strip():
        raise RequestError("a note needs some text")
    return _trail(request, RequestAction.NOTE, actor, message.strip())


def request_start_verification(*, request: DataSubjectRequest, actor=None) -> DataSubjectRequest:
    _require(request, statuses=(RequestStatus.RECEIVED,))
    return _set_status(request, RequestStatus.VERIFYING, RequestAction.VERIFYING, actor, "Identity check started.")


def request_verify(*, request: DataSubjectRequest, actor=None, message: str = "") -> DataSubjectRequest:
    """The requester's identity is confirmed: work on the request may start."""
    _require(request, statuses=(RequestStatus.RECEIVED, RequestStatus.VERIFYING))
    with transaction.atomic():
        if request.identifier_value:
            request.profile_id = _live_profile_id(person_resolve(request.identifier_kind, request.identifier_value))
            request.save(update_fields=["profile"])
        return _set_status(
            request, RequestStatus.IN_PROGRESS, RequestAction.VERIFIED, actor, message or "Identity verified."
        )


def request_reject(*, request: DataSubjectRequest, reason: str, actor=None) -> DataSubjectRequest:
    _require(request, statuses=RequestStatus.OPEN)
    if not reason.strip():
        raise RequestError("say why the request is rejected (the requester must be told)")
    return _set_status(request, RequestStatus.REJECTED, RequestAction.REJECTED, actor, reason.strip())


def request_complete(*, request: DataSubjectRequest, actor=None, message: str = "") -> DataSubjectRequest:
    _require(request, statuses=(RequestStatus.IN_PROGRESS,))
    return _set_status(request, RequestStatus.COMPLETED, RequestAction.COMPLETED, actor, message or "Completed.")


# --- access and portability ----------------------------------------------------------------------


def request_export(*, request: DataSubjectRequest, actor=None) -> tuple[str, bytes]:
    """The person's data as a zip (data.json + one CSV per table + README.txt): (file name, bytes).
    Needs a verified request (in progress or completed)."""
    from privacy.export import bundle_build

    _require(request, kinds=RequestKind.EXPORTING, statuses=(RequestStatus.IN_PROGRESS, RequestStatus.COMPLETED))
    try:
        person = _person_of(request)
    except RequestError:
        # Nobody carries the identifier: the answer is still a bundle, saying nothing is held
        # (events not yet applied to a profile are still looked up by the identifier).
        given = set()
        if request.identifier_kind != "profile_id" and request.identifier_value:
            given = {(request.identifier_kind, normalize_identifier(request.identifier_kind, request.identifier_value))}
        person = Person(frozenset(), frozenset(given))
    name, data, counts = bundle_build(request, person)
    with transaction.atomic():
        _trail(request, RequestAction.EXPORTED, actor, "Export downloaded.", {"rows": counts})
        _audit("EXPORT", actor=actor, target=request, details={"kind": "privacy_request", "tables": counts})
    return name, data


# --- rectification and objection ----------------------------------------------------------------


def request_rectify(*, request: DataSubjectRequest, traits: dict, actor=None) -> DataSubjectRequest:
    """Correct traits (Art. 16): each change is recorded in the trait history (TraitChange) with a
    stamp that later out-of-order events cannot override; segments re-evaluate. `None` removes a trait."""
    from profiles.models import Profile, TraitChange

    _require(request, kinds=(RequestKind.RECTIFICATION,), statuses=(RequestStatus.IN_PROGRESS,))
    if not isinstance(traits, dict) or not traits:
        raise RequestError('give the corrected traits as an object, e.g. {"name": "Ana Lopez"}')
    now = timezone.now()
    stamp = f"{now.strftime('%Y-%m-%dT%H:%M:%S.%fZ')}|rectification-{request.pk}"
    with transaction.atomic():
        person = _person_of(request)
        profile = Profile.objects.select_for_update().get(pk=_live_profile_id(person))
        changed = []
        for key, value in traits.items():
            key = str(key).strip()
            if not key:
                continue
            old = profile.traits.get(key)
            if old == value and key in profile.traits:
                continue
            if value is None:
                profile.traits.pop(key, None)
            else:
                profile.traits[key] = value
            profile.trait_timestamps[key] = stamp
            TraitChange.objects.create(profile=profile, key=key, old_value=old, new_value=value, changed_at=now)
            changed.append(key)
        profile.save(update_fields=["traits", "trait_timestamps", "updated_at"])
        if changed:
            _reevaluate([profile.pk], frozenset(f"trait:{k}" for k in changed), "event")
        _trail(
            request,
            RequestAction.RECTIFIED,
            actor,
            f"Corrected: {', '.join(changed) or 'nothing changed'}.",
            {"traits": changed},
        )
        _audit(
            "PRIVACY_REQUEST_HANDLED", actor=actor, target=request, details={"kind": "rectification", "traits": changed}
        )
    return request


def _reevaluate(profile_ids: list[int], changed: frozenset[str], cause: str) -> None:
    try:
        from segments.engine import profiles_reevaluate
    except ImportError:
        return
    profiles_reevaluate(profile_ids, changed=changed, cause=cause)


def request_object(*, request: DataSubjectRequest, actor=None) -> DataSubjectRequest:
    """Record an objection to direct marketing (Art. 21(2)) through consent: from now on no
    marketing purpose is activated for the person, whatever their consent."""
    _require(request, kinds=(RequestKind.OBJECTION,), statuses=(RequestStatus.IN_PROGRESS,))
    with transaction.atomic():
        person = _person_of(request)
        profile_id = _live_profile_id(person)
        try:
            from consent.constants import ConsentSource
            from consent.services import objection_record
        except ImportError as error:  # pragma: no cover - consent is part of Shoal
            raise RequestError("objections are recorded by the consent app, which is missing") from error
        record = objection_record(
            profile=profile_id, objected=True, source=ConsentSource.UI, actor=actor, evidence={"request_id": request.pk}
        )
        _trail(
            request,
            RequestAction.OBJECTED,
            actor,
            "Objection to direct marketing recorded.",
            {"objection_record": record.pk},
        )
        _audit(
            "PRIVACY_REQUEST_HANDLED", actor=actor, target=request, details={"kind": "objection", "step": "objected"}
        )
    return request
