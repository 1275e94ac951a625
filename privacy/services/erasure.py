"""Erasure (Art. 17) with suppression, evidence and destination webhooks; lifting a suppression."""

from __future__ import annotations

import logging
import uuid

from django.db import connection, transaction
from django.utils import timezone

from privacy.constants import (
    WEBHOOK_EVENT_TYPE,
    RequestAction,
    RequestKind,
    RequestStatus,
)
from privacy.hashing import identifier_hash, normalize_identifier
from privacy.models import (
    DataSubjectRequest,
    ErasureNotification,
    ErasureWebhookEndpoint,
    Suppression,
)
from privacy.registry import Person, holders
from privacy.services.common import RequestError, _audit, _require, _trail, person_resolve

log = logging.getLogger(__name__)

# --- erasure ------------------------------------------------------------------------------------


def _lock_identity_graph() -> None:
    """Erasure and the worker's identity resolution exclude each other (profiles.pipeline)."""
    if connection.vendor == "postgresql":
        from profiles.pipeline import IDENTITY_LOCK_KEY

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IDENTITY_LOCK_KEY])


def request_erase(*, request: DataSubjectRequest, actor=None) -> DataSubjectRequest:
    """Erase the person (Art. 17) in one transaction: every registered holder removes its rows
    (segment memberships with `erasure` exits first, events, consent, profiles…); the person's
    identifiers become suppression entries (keyed hashes); the request keeps evidence (counts per
    table, hashes, times; no personal data) and forgets the identifier it was given. After
    commit, destinations are told by signed webhook."""
    from profiles.services import profiles_lock

    _require(request, kinds=(RequestKind.ERASURE,), statuses=(RequestStatus.IN_PROGRESS,))
    started = timezone.now()
    with transaction.atomic():
        _lock_identity_graph()
        request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        _require(request, kinds=(RequestKind.ERASURE,), statuses=(RequestStatus.IN_PROGRESS,))
        person = person_resolve(request.identifier_kind, request.identifier_value) if request.identifier_value else None
        if person is None and request.profile_id:
            person = person_resolve("profile_id", str(request.profile_id))
        given = set()
        if request.identifier_kind != "profile_id" and request.identifier_value:
            given = {(request.identifier_kind, normalize_identifier(request.identifier_kind, request.identifier_value))}
        person = Person(
            person.profile_ids if person else frozenset(), (person.identifiers if person else frozenset()) | given
        )
        profiles_lock(person.profile_ids)
        tables: dict[str, int] = {}
        for holder in holders():
            if holder.erase is not None:
                holder.erase(person, tables)
        hashes = sorted({(kind, identifier_hash(kind, value)) for kind, value in person.identifiers})
        existing = set(
            Suppression.objects.filter(identifier_hash__in=[h for _, h in hashes]).values_list(
                "identifier_hash", flat=True
            )
        )
        Suppression.objects.bulk_create(
            [Suppression(identifier_hash=h, kind=kind, request=request) for kind, h in hashes if h not in existing]
        )
        # Earlier requests about the same person (an access request last year…) keep their kind,
        # dates and trail, not the identifier they were given.
        same_person = [h for _, h in hashes] + [identifier_hash("profile_id", pid) for pid in person.profile_ids]
        redacted = (
            DataSubjectRequest.objects.filter(identifier_hash__in=same_person)
            .exclude(pk=request.pk)
            .exclude(identifier_value="")
            .update(identifier_value="")
        )
        finished = timezone.now()
        evidence = {
            "request_id": request.pk,
            "erased_at": finished.isoformat(),
            "started_at": started.isoformat(),
            "erased_by": actor.get_username() if getattr(actor, "pk", None) else "",
            "profile_ids": sorted(person.profile_ids),
            "identifiers": [{"kind": kind, "hash": h} for kind, h in hashes],
            "hash": "HMAC-SHA256(PRIVACY_HASH_KEY, kind:value)",
            "rows_deleted": {
                label: count for label, count in sorted(tables.items()) if count and not label.startswith("kept:")
            },
            "kept": {
                label[5:]: count for label, count in sorted(tables.items()) if count and label.startswith("kept:")
            },
            "tables_checked": sorted(label for label in tables if not label.startswith("kept:")),
            "caches_cleared": ["suppression memo", "source event counts", "segment builder values"],
            "suppressions_added": len([1 for _, h in hashes if h not in existing]),
            "other_requests_redacted": redacted,
        }
        request.evidence = evidence
        request.identifier_value = ""
        request.profile = None
        request.status = RequestStatus.COMPLETED
        request.completed_at = finished
        request.save(update_fields=["evidence", "identifier_value", "profile", "status", "completed_at"])
        total = sum(evidence["rows_deleted"].values())
        _trail(
            request,
            RequestAction.ERASED,
            actor,
            f"Erased {total} rows from {len(evidence['rows_deleted'])} tables; {len(hashes)} identifiers suppressed.",
            {"rows_deleted": evidence["rows_deleted"]},
        )
        _audit(
            "PRIVACY_REQUEST_HANDLED",
            actor=actor,
            target=request,
            details={"kind": "erasure", "step": "erased", "rows_deleted": total},
        )
        notifications = _notifications_create(request, evidence)
        _after_erasure()  # now (this thread's next request) and again after commit (other threads)
        transaction.on_commit(_after_erasure)
        transaction.on_commit(lambda: _deliver_later([n.pk for n in notifications]))
    return request


def _after_erasure() -> None:
    from privacy.suppression import forget_suppressions

    forget_suppressions()
    try:
        from ingestion.stats import forget_source_event_counts
    except ImportError:
        return
    forget_source_event_counts()


def _notifications_create(request: DataSubjectRequest, evidence: dict) -> list[ErasureNotification]:
    payload_data = {
        "request_id": request.pk,
        "erased_at": evidence["erased_at"],
        "profile_ids": evidence["profile_ids"],
        "identifiers": evidence["identifiers"],
    }
    created = []
    for endpoint in ErasureWebhookEndpoint.objects.filter(enabled=True):
        message_id = f"msg_{uuid.uuid4().hex}"
        created.append(
            ErasureNotification.objects.create(
                request=request,
                endpoint=endpoint,
                message_id=message_id,
                payload={"type": WEBHOOK_EVENT_TYPE, "timestamp": evidence["erased_at"], "data": payload_data},
            )
        )
    return created


def _deliver_later(notification_ids: list[int]) -> None:
    from privacy.tasks import deliver_erasure_webhook

    for pk in notification_ids:
        try:
            deliver_erasure_webhook.delay(pk)
        except Exception:
            log.exception("could not enqueue erasure webhook %s; the retry sweep will send it", pk)


# --- suppression ---------------------------------------------------------------------------------


def suppression_remove(*, suppression: Suppression, reason: str, actor=None) -> None:
    """Lift a suppression entry (a steward-only, audited act): events carrying the identifier are
    accepted again from now on. Nothing erased comes back."""
    if not reason.strip():
        raise RequestError("say why the suppression is lifted (it is recorded)")
    from privacy.suppression import forget_suppressions

    with transaction.atomic():
        request = suppression.request
        details = {"kind": suppression.kind, "hash": suppression.identifier_hash, "step": "unsuppressed"}
        if request is not None:
            _trail(
                request,
                RequestAction.NOTE,
                actor,
                f"Suppression of a {suppression.kind} lifted: {reason.strip()}",
                details,
            )
        _audit(
            "PRIVACY_REQUEST_HANDLED",
            actor=actor,
            target=suppression,
            details={**details, "reason": reason.strip()[:200]},
        )
        suppression.delete()
        forget_suppressions()
        transaction.on_commit(forget_suppressions)
