"""Writes for PII: the classification a steward edits, and reveals (always audited)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from audit.constants import AuditAction
from audit.services import audit_record
from pii.constants import DEFAULT_PII_KEYS, Sensitivity
from pii.masking import can_view_pii, forget_classification
from pii.models import TraitClassification, validate_key_pattern

SESSION_KEY = "pii_revealed"  # {profile id: unix time the reveal ends}


def classification_ensure_defaults() -> int:
    """Classify the default PII keys when nothing is classified at all (a new or flushed
    database); a workspace with any classification is left as the steward set it."""
    if TraitClassification.objects.exists():
        return 0
    TraitClassification.objects.bulk_create(
        [TraitClassification(key=key, sensitivity=Sensitivity.PII) for key in DEFAULT_PII_KEYS],
        ignore_conflicts=True,
    )
    forget_classification()
    return len(DEFAULT_PII_KEYS)


@transaction.atomic
def classification_set(*, key: str, sensitivity: str, user=None) -> TraitClassification:
    """Classify `key` (a trait key or "prefix.*"). Takes effect on every surface within seconds."""
    key = key.strip()
    validate_key_pattern(key)
    if sensitivity not in dict(Sensitivity.CHOICES):
        raise ValidationError(f"sensitivity must be one of: {', '.join(dict(Sensitivity.CHOICES))}")
    row = TraitClassification.objects.select_for_update().filter(key=key).first()
    before = row.sensitivity if row else None
    if row is None:
        row = TraitClassification(key=key)
    row.sensitivity = sensitivity
    row.updated_by = user if getattr(user, "pk", None) else None
    row.save()
    if before != sensitivity:
        audit_record(
            action=AuditAction.PII_CLASSIFICATION_CHANGED,
            target=row,
            details={"key": key, "from": before, "to": sensitivity},
        )
    forget_classification()  # now, and again once committed (a reader may have cached the old map meanwhile)
    transaction.on_commit(forget_classification)
    return row


def reveal_seconds() -> int:
    return int(getattr(settings, "PII_REVEAL_SECONDS", 300))


def pii_reveal(*, request, profile, surface: str) -> None:
    """Record that `request.user` deliberately revealed `profile`'s personal data. On the page
    surface the reveal lasts PII_REVEAL_SECONDS in this browser session. Refused without view_pii."""
    if not can_view_pii(request.user):
        raise PermissionDenied("This needs the capability: view_pii.")
    audit_record(
        action=AuditAction.PII_REVEALED,
        target_type="profile",
        target_id=profile.pk,
        details={"surface": surface},
        request=request,
    )
    if surface == "page" and hasattr(request, "session"):
        revealed = {k: v for k, v in request.session.get(SESSION_KEY, {}).items() if v > time.time()}
        revealed[str(profile.pk)] = time.time() + reveal_seconds()
        request.session[SESSION_KEY] = revealed


def pii_conceal(*, request, profile) -> None:
    revealed = dict(request.session.get(SESSION_KEY, {}))
    revealed.pop(str(profile.pk), None)
    request.session[SESSION_KEY] = revealed


def export_pii_view(*, request, reveal: bool):
    """The PiiView for a CSV export: masked, or raw when a view_pii holder asks for it (the
    export's own audit entry records `pii_revealed`)."""
    from pii.masking import pii_view

    if reveal and not can_view_pii(request.user):
        raise PermissionDenied("This needs the capability: view_pii.")
    return pii_view(reveal=bool(reveal))
