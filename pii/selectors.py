"""Reads for PII: the classification list, and what a viewer sees of a profile right now."""

from __future__ import annotations

import time

from django.db.models import QuerySet

from pii.masking import PiiView, can_view_pii, pii_view
from pii.models import TraitClassification
from pii.services import SESSION_KEY


def classification_list() -> QuerySet[TraitClassification]:
    return TraitClassification.objects.select_related("updated_by").order_by("key")


def revealed_until(request, profile_id: int) -> float | None:
    """When this session's reveal of a profile ends (None when not revealed or expired)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    until = session.get(SESSION_KEY, {}).get(str(profile_id))
    return until if until and until > time.time() else None


def page_pii_view(request, profile_id: int | None = None) -> PiiView:
    """Pages mask for everyone; a view_pii holder who revealed this profile sees it raw."""
    reveal = profile_id is not None and can_view_pii(request.user) and revealed_until(request, profile_id) is not None
    return pii_view(reveal=reveal)


def masked_view() -> PiiView:
    """Lists, API reads, CSV and websocket payloads: masked for everyone (fail closed)."""
    return pii_view(reveal=False)
