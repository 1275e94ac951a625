"""Reads for consent. The meaning of "granted" for segments is defined here once, for both rule
targets: a profile has granted a purpose when its current state for it is `granted` and, if the
purpose is a marketing purpose, it does not object to direct marketing. No record means not
granted (opt-in)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from consent.constants import HISTORY_SHOWN, ConsentState
from consent.models import (
    ActivationCheck,
    ConsentCategoryMapping,
    ConsentRecord,
    ObjectionRecord,
    ProfileConsent,
    ProfileObjection,
    Purpose,
)


def granted_profiles_q(purpose: str) -> Q:
    """SQL target: a condition over Profile (a subquery, no join) for "has granted `purpose`"."""
    granted = ProfileConsent.objects.filter(purpose__slug=purpose, state=ConsentState.GRANTED).filter(
        Q(purpose__is_marketing=False)
        | ~Q(profile_id__in=ProfileObjection.objects.filter(objected=True).values("profile_id"))
    )
    return Q(pk__in=granted.values("profile_id"))


def granted_purposes(profile_ids: Iterable[int]) -> dict[int, dict[str, bool]]:
    """Python target: {profile id: {purpose slug: True}} for every purpose each profile has
    granted (same meaning as granted_profiles_q), in one query."""
    found: dict[int, dict[str, bool]] = defaultdict(dict)
    rows = ProfileConsent.objects.filter(profile_id__in=list(profile_ids), state=ConsentState.GRANTED).values_list(
        "profile_id", "purpose__slug", "purpose__is_marketing", "profile__objection__objected"
    )
    for profile_id, slug, is_marketing, objected in rows:
        if not (is_marketing and objected):
            found[profile_id][slug] = True
    return found


def purpose_list() -> QuerySet[Purpose]:
    return Purpose.objects.order_by("name", "id")


def marketing_purposes() -> QuerySet[Purpose]:
    return Purpose.objects.filter(is_marketing=True).order_by("name", "id")


def category_mapping_list() -> QuerySet[ConsentCategoryMapping]:
    return ConsentCategoryMapping.objects.select_related("purpose").order_by("category", "purpose__slug")


@dataclass
class PurposeState:
    purpose: Purpose
    state: str | None  # None: nothing recorded
    occurred_at: object
    source: str | None
    effective: bool  # granted and not blocked by an objection


@dataclass
class ConsentOverview:
    purposes: list[PurposeState]
    objected: bool
    objection_since: object
    history: list[ConsentRecord]
    objection_history: list[ObjectionRecord]


def consent_overview(profile, *, history_limit: int = HISTORY_SHOWN) -> ConsentOverview:
    """A profile's consent: every purpose with its current state, the objection, and history."""
    current = {c.purpose_id: c for c in ProfileConsent.objects.filter(profile=profile).select_related("record")}
    objection = ProfileObjection.objects.filter(profile=profile).first()
    objected = bool(objection and objection.objected)
    states = []
    for purpose in purpose_list():
        row = current.get(purpose.pk)
        state = row.state if row else None
        states.append(
            PurposeState(
                purpose=purpose,
                state=state,
                occurred_at=row.occurred_at if row else None,
                source=row.record.source if row else None,
                effective=state == ConsentState.GRANTED and not (purpose.is_marketing and objected),
            )
        )
    return ConsentOverview(
        purposes=states,
        objected=objected,
        objection_since=objection.occurred_at if objected else None,
        history=list(consent_history(profile)[:history_limit]),
        objection_history=list(ObjectionRecord.objects.filter(profile=profile).select_related("actor")[:history_limit]),
    )


def consent_history(profile, *, purpose: str | None = None) -> QuerySet[ConsentRecord]:
    records = ConsentRecord.objects.filter(profile=profile).select_related("purpose", "actor")
    if purpose:
        records = records.filter(purpose__slug=purpose)
    return records.order_by("-occurred_at", "-id")


def activation_checks(profile) -> QuerySet[ActivationCheck]:
    return ActivationCheck.objects.filter(profile=profile).order_by("-checked_at", "-id")
