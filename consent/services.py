"""Writes for consent: records (one or many), objections, purposes, category mappings, and the
activation check every channel calls before acting (docs/consent.md).

Every change of a person's current consent re-evaluates their segment memberships in the same
transaction (segments.engine.profiles_reevaluate, ledger cause `consent`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consent.constants import (
    MAX_USER_AGENT_LENGTH,
    ConsentSource,
    ConsentState,
    DecisionReason,
    ObjectionAction,
)
from consent.models import (
    ActivationCheck,
    ConsentCategoryMapping,
    ConsentRecord,
    ObjectionRecord,
    ProfileConsent,
    ProfileObjection,
    Purpose,
)
from profiles.models import Profile

IP_HASH_SALT = b"shoal.consent.ip"


class ConsentError(ValueError):
    """A consent write that cannot be made (unknown purpose, bad state…); the message says why."""


# --- Evidence ------------------------------------------------------------------------------------


def ip_hash(ip: str | None) -> str | None:
    """A keyed HMAC-SHA256 of an IP address (key derived from SECRET_KEY): the same address gives
    the same hash on this installation, and the address cannot be read back or guessed offline."""
    if not ip:
        return None
    key = hmac.new(settings.SECRET_KEY.encode(), IP_HASH_SALT, hashlib.sha256).digest()
    return "hmac-sha256:" + hmac.new(key, ip.strip().encode(), hashlib.sha256).hexdigest()


def evidence_build(
    *,
    policy_version: str = "",
    collection_point: str = "",
    ip: str | None = None,
    user_agent: str | None = None,
    **extra,
) -> dict:
    """The evidence kept with a record: never the raw IP address."""
    evidence = {
        "policy_version": policy_version or "",
        "collection_point": collection_point or "",
        "ip_hash": ip_hash(ip),
        "user_agent": (user_agent or "")[:MAX_USER_AGENT_LENGTH] or None,
    }
    evidence.update({k: v for k, v in extra.items() if v is not None})
    return evidence


# --- Records -------------------------------------------------------------------------------------


@dataclass
class ConsentInput:
    """One consent statement to record (profile_id is a live profile)."""

    profile_id: int
    purpose: Purpose
    state: str
    source: str
    occurred_at: datetime
    evidence: dict = field(default_factory=dict)
    actor_id: int | None = None
    event_id: int | None = None


def live_profile(profile: Profile | int, *, lock: bool = False) -> Profile:
    """The live profile a (possibly merged) profile or id stands for. `lock` (inside a
    transaction): lock its row, as the event pipeline does, so consent written here and by a
    batch for the same person is serialised."""
    if not isinstance(profile, Profile):
        profile = Profile.objects.get(pk=profile)
    seen = 0
    while profile.merged_into_id is not None and seen < 20:
        profile = Profile.objects.get(pk=profile.merged_into_id)
        seen += 1
    if lock:
        locked = Profile.objects.select_for_update().get(pk=profile.pk)
        if locked.merged_into_id is not None:  # merged meanwhile: follow it
            return live_profile(locked, lock=True)
        return locked
    return profile


def purpose_get(purpose: Purpose | str) -> Purpose:
    if isinstance(purpose, Purpose):
        return purpose
    try:
        return Purpose.objects.get(slug=purpose)
    except Purpose.DoesNotExist:
        raise ConsentError(f"unknown purpose {purpose!r}") from None


def _check_state(state: str) -> None:
    if state not in ConsentState.values:
        raise ConsentError(f"state must be one of {', '.join(ConsentState.values)}, got {state!r}")


def consent_record(
    *,
    profile: Profile | int,
    purpose: Purpose | str,
    state: str,
    source: str,
    evidence: dict | None = None,
    actor=None,
    occurred_at: datetime | None = None,
    event=None,
) -> ConsentRecord:
    """Append one consent record and update the current state (latest `occurred_at` wins);
    re-evaluates the person's segments when their current state changed."""
    _check_state(state)
    if source not in ConsentSource.values:
        raise ConsentError(f"unknown source {source!r}")
    with transaction.atomic():
        person = live_profile(profile, lock=True)
        item = ConsentInput(
            profile_id=person.pk,
            purpose=purpose_get(purpose),
            state=state,
            source=source,
            occurred_at=occurred_at or timezone.now(),
            evidence=evidence or {},
            actor_id=getattr(actor, "pk", None),
            event_id=getattr(event, "pk", event),
        )
        records, _ = consent_records_bulk([item])
        _audit_consent(person.pk, source, actor, {"states": {item.purpose.slug: state}})
    return records[0]


def consent_records_bulk(
    items: list[ConsentInput], *, reevaluate: bool = True
) -> tuple[list[ConsentRecord], dict[int, set[str]]]:
    """Append many records at once (the event pipeline's path: a fixed number of queries).
    Returns the records and, per profile, the `consent:<purpose>` inputs whose current state
    changed. Must run inside a transaction; re-evaluates segments unless `reevaluate=False` (the
    pipeline hands the changes to the engine with the rest of the batch)."""
    if not items:
        return [], {}
    now = timezone.now()
    records = ConsentRecord.objects.bulk_create(
        [
            ConsentRecord(
                profile_id=i.profile_id,
                purpose=i.purpose,
                state=i.state,
                source=i.source,
                occurred_at=i.occurred_at,
                recorded_at=now,
                evidence=i.evidence,
                actor_id=i.actor_id,
                event_id=i.event_id,
            )
            for i in items
        ]
    )
    if records and records[0].pk is None:  # backends without RETURNING on bulk insert
        raise RuntimeError("bulk_create did not return primary keys")
    profile_ids = {i.profile_id for i in items}
    purpose_ids = {i.purpose.pk for i in items}
    current = {
        (c.profile_id, c.purpose_id): c
        for c in ProfileConsent.objects.select_for_update().filter(
            profile_id__in=profile_ids, purpose_id__in=purpose_ids
        )
    }
    slugs = {i.purpose.pk: i.purpose.slug for i in items}
    latest: dict[tuple[int, int], ConsentRecord] = {}
    for record in records:  # later in the list wins a tie on occurred_at
        key = (record.profile_id, record.purpose_id)
        best = latest.get(key)
        if best is None or record.occurred_at >= best.occurred_at:
            latest[key] = record
    creates, updates = [], []
    changed: dict[int, set[str]] = defaultdict(set)
    for key, record in latest.items():
        row = current.get(key)
        if row is None:
            creates.append(
                ProfileConsent(
                    profile_id=key[0],
                    purpose_id=key[1],
                    state=record.state,
                    occurred_at=record.occurred_at,
                    record=record,
                )
            )
            changed[key[0]].add(f"consent:{slugs[key[1]]}")
        elif record.occurred_at >= row.occurred_at:
            if row.state != record.state:
                changed[key[0]].add(f"consent:{slugs[key[1]]}")
            row.state, row.occurred_at, row.record = record.state, record.occurred_at, record
            updates.append(row)
    ProfileConsent.objects.bulk_create(creates)
    if updates:
        ProfileConsent.objects.bulk_update(updates, ["state", "occurred_at", "record"])
    if reevaluate:
        _reevaluate(changed)
    return records, dict(changed)


def consent_set(
    *,
    profile: Profile | int,
    states: dict[str, str],
    source: str,
    evidence: dict | None = None,
    actor=None,
    occurred_at: datetime | None = None,
) -> list[ConsentRecord]:
    """Record several purposes at once ({purpose slug: state}); unchanged states are recorded too
    (they are a fresh statement with its own evidence). Unknown purposes fail the whole call."""
    for state in states.values():
        _check_state(state)
    if source not in ConsentSource.values:
        raise ConsentError(f"unknown source {source!r}")
    purposes = {p.slug: p for p in Purpose.objects.filter(slug__in=list(states))}
    unknown = sorted(set(states) - set(purposes))
    if unknown:
        raise ConsentError(f"unknown purpose: {', '.join(unknown)}")
    with transaction.atomic():
        person = live_profile(profile, lock=True)
        when = occurred_at or timezone.now()
        records, _ = consent_records_bulk(
            [
                ConsentInput(
                    profile_id=person.pk,
                    purpose=purposes[slug],
                    state=state,
                    source=source,
                    occurred_at=when,
                    evidence=evidence or {},
                    actor_id=getattr(actor, "pk", None),
                )
                for slug, state in states.items()
            ]
        )
        _audit_consent(person.pk, source, actor, {"states": dict(states)})
    return records


def objection_record(
    *,
    profile: Profile | int,
    objected: bool,
    source: str,
    evidence: dict | None = None,
    actor=None,
    occurred_at: datetime | None = None,
) -> ObjectionRecord:
    """Record an objection to direct marketing (or its lifting). While it stands, every marketing
    purpose counts as not granted, in segments and at activation."""
    with transaction.atomic():
        person = live_profile(profile, lock=True)
        when = occurred_at or timezone.now()
        record = ObjectionRecord.objects.create(
            profile=person,
            action=ObjectionAction.OBJECTED if objected else ObjectionAction.LIFTED,
            source=source,
            occurred_at=when,
            evidence=evidence or {},
            actor=actor if getattr(actor, "pk", None) else None,
        )
        current = ProfileObjection.objects.select_for_update().filter(profile=person).first()
        was = bool(current and current.objected)
        if current is None:
            ProfileObjection.objects.create(profile=person, objected=objected, occurred_at=when, record=record)
        elif when >= current.occurred_at:
            current.objected, current.occurred_at, current.record = objected, when, record
            current.save(update_fields=["objected", "occurred_at", "record"])
        _audit_consent(person.pk, source, actor, {"objected": objected})
        now_objects = ProfileObjection.objects.get(profile=person).objected
        if now_objects != was:
            marketing = Purpose.objects.filter(is_marketing=True).values_list("slug", flat=True)
            _reevaluate({person.pk: {f"consent:{slug}" for slug in marketing}})
    return record


def consent_merge_profiles(merged_away: dict[int, int]) -> None:
    """Profiles merged (loser → survivor): their consent and objection records now belong to the
    survivor, whose current state is re-derived from all records (latest statement wins)."""
    if not merged_away:
        return
    survivors = set(merged_away.values())
    for loser, survivor in merged_away.items():
        ConsentRecord.objects.filter(profile_id=loser).update(profile_id=survivor)
        ObjectionRecord.objects.filter(profile_id=loser).update(profile_id=survivor)
    ProfileConsent.objects.filter(profile_id__in=list(merged_away) + list(survivors)).delete()
    ProfileObjection.objects.filter(profile_id__in=list(merged_away) + list(survivors)).delete()
    latest: dict[tuple[int, int], ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(profile_id__in=survivors).order_by("occurred_at", "id"):
        latest[(record.profile_id, record.purpose_id)] = record
    ProfileConsent.objects.bulk_create(
        [
            ProfileConsent(profile_id=p, purpose_id=q, state=r.state, occurred_at=r.occurred_at, record=r)
            for (p, q), r in latest.items()
        ]
    )
    objections: dict[int, ObjectionRecord] = {}
    for record in ObjectionRecord.objects.filter(profile_id__in=survivors).order_by("occurred_at", "id"):
        objections[record.profile_id] = record
    ProfileObjection.objects.bulk_create(
        [
            ProfileObjection(
                profile_id=p, objected=r.action == ObjectionAction.OBJECTED, occurred_at=r.occurred_at, record=r
            )
            for p, r in objections.items()
        ]
    )


def _reevaluate(changed: dict[int, set[str]]) -> None:
    """Hand consent changes to the segment engine (same transaction), one call per kind of change."""
    if not changed:
        return
    from segments.engine import profiles_reevaluate
    from segments.models import MembershipChange

    by_inputs: dict[frozenset[str], list[int]] = defaultdict(list)
    for profile_id, inputs in changed.items():
        if inputs:
            by_inputs[frozenset(inputs)].append(profile_id)
    for inputs, profile_ids in by_inputs.items():
        profiles_reevaluate(sorted(profile_ids), changed=inputs, cause=MembershipChange.Cause.CONSENT)


AUDITED_SOURCES = (ConsentSource.API, ConsentSource.UI, ConsentSource.PREFERENCE_CENTRE)


def _audit(action_name: str, *, actor=None, target=None, target_type: str = "", target_id=None, details=None) -> None:
    """An audit log entry in the caller's transaction (ids and slugs only, no personal data)."""
    try:
        from audit.constants import AuditAction
        from audit.services import audit_record
    except ImportError:  # pragma: no cover - the audit app is part of Shoal
        return
    audit_record(
        action=getattr(AuditAction, action_name),
        actor=actor if getattr(actor, "pk", None) else None,
        target=target,
        target_type=target_type,
        target_id=target_id,
        details=details,
    )


def _audit_consent(profile_id: int, source: str, actor, details: dict) -> None:
    if source in AUDITED_SOURCES:  # events and imports are their own record (and too many)
        _audit(
            "CONSENT_CHANGED",
            actor=actor,
            target_type="profile",
            target_id=profile_id,
            details={"source": source, **details},
        )


# --- Purposes and mapping ------------------------------------------------------------------------


def purpose_create(
    *, slug: str, name: str, description: str = "", legal_text_version: str = "v1", is_marketing: bool = True
) -> Purpose:
    if Purpose.objects.filter(slug=slug).exists():
        raise ConsentError(f"a purpose {slug!r} already exists")
    with transaction.atomic():
        purpose = Purpose.objects.create(
            slug=slug,
            name=name,
            description=description,
            legal_text_version=legal_text_version,
            is_marketing=is_marketing,
        )
        _audit("CONSENT_PURPOSE_CHANGED", target=purpose, details={"purpose": slug, "change": "created"})
    return purpose


def purpose_update(*, purpose: Purpose, **changes) -> Purpose:
    """Change a purpose's name, description, legal text version or marketing flag (the slug is
    fixed: rules and integrations refer to it). Flipping `is_marketing` re-evaluates the segments
    of people who object to marketing and have granted this purpose."""
    allowed = {"name", "description", "legal_text_version", "is_marketing"}
    unknown = set(changes) - allowed
    if unknown:
        raise ConsentError(f"cannot change: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        flipped = "is_marketing" in changes and bool(changes["is_marketing"]) != purpose.is_marketing
        for key, value in changes.items():
            setattr(purpose, key, value)
        purpose.save()
        _audit(
            "CONSENT_PURPOSE_CHANGED",
            target=purpose,
            details={"purpose": purpose.slug, "change": "edited", "fields": sorted(changes)},
        )
        if flipped:
            objecting = ProfileObjection.objects.filter(objected=True).values("profile_id")
            affected = ProfileConsent.objects.filter(
                purpose=purpose, state=ConsentState.GRANTED, profile_id__in=objecting
            ).values_list("profile_id", flat=True)
            _reevaluate({pid: {f"consent:{purpose.slug}"} for pid in affected})
    return purpose


def purpose_delete(*, purpose: Purpose) -> None:
    """Only a purpose nobody has a record for can be deleted."""
    if ConsentRecord.objects.filter(purpose=purpose).exists():
        raise ConsentError("this purpose has consent records; it cannot be deleted")
    with transaction.atomic():
        _audit("CONSENT_PURPOSE_CHANGED", target=purpose, details={"purpose": purpose.slug, "change": "deleted"})
        purpose.delete()


def purposes_seed() -> None:
    """Create the seeded purposes and category mapping where missing (idempotent; the data
    migration does the same on a new database)."""
    from consent.constants import SEEDED_CATEGORY_MAPPING, SEEDED_LEGAL_TEXT_VERSION, SEEDED_PURPOSES

    for slug, name, description, is_marketing in SEEDED_PURPOSES:
        Purpose.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "is_marketing": is_marketing,
                "legal_text_version": SEEDED_LEGAL_TEXT_VERSION,
            },
        )
    for category, slug in SEEDED_CATEGORY_MAPPING:
        ConsentCategoryMapping.objects.get_or_create(category=category, purpose=Purpose.objects.get(slug=slug))


def category_mapping_add(*, category: str, purpose: Purpose | str) -> ConsentCategoryMapping:
    category = category.strip()
    if not category:
        raise ConsentError("a category is required")
    with transaction.atomic():
        mapping, created = ConsentCategoryMapping.objects.get_or_create(category=category, purpose=purpose_get(purpose))
        if created:
            _audit(
                "CONSENT_PURPOSE_CHANGED",
                target=mapping,
                details={"purpose": mapping.purpose.slug, "category": category, "change": "mapped"},
            )
    return mapping


def category_mapping_remove(*, mapping: ConsentCategoryMapping) -> None:
    with transaction.atomic():
        _audit(
            "CONSENT_PURPOSE_CHANGED",
            target=mapping,
            details={"purpose": mapping.purpose.slug, "category": mapping.category, "change": "unmapped"},
        )
        mapping.delete()


# --- Activation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What activation_decide answered: `allowed`, why (`reason`, a DecisionReason value), the
    state it read (`state_used`) and the id of the ActivationCheck row that records it."""

    allowed: bool
    reason: str
    state_used: dict
    check_id: int | None = None


def activation_decide(*, profile: Profile | int, purpose: str, channel: str, context: dict | None = None) -> Decision:
    """The one consent check every activation path calls at send time (campaign send, outbound
    webhook, on-site personalization, export for marketing use). Allowed only when the person's
    current state for `purpose` is granted and, for a marketing purpose, they do not object to
    direct marketing. Fails closed (unknown purpose or profile: not allowed). Every decision is
    recorded as an ActivationCheck with the state it used."""
    profile_id = profile.pk if isinstance(profile, Profile) else int(profile)
    return activation_decide_many(profile_ids=[profile_id], purpose=purpose, channel=channel, context=context)[
        profile_id
    ]


def activation_decide_many(
    *, profile_ids: Iterable[int], purpose: str, channel: str, context: dict | None = None
) -> dict[int, Decision]:
    """activation_decide for many people at once (a campaign send): a fixed number of queries.
    Keys are the ids asked for; a merged profile's id is answered with its survivor's state."""
    profile_ids = list(dict.fromkeys(int(p) for p in profile_ids))
    context = context or {}
    with transaction.atomic():
        purpose_obj = Purpose.objects.filter(slug=purpose).first()
        merged = dict(Profile.objects.filter(pk__in=profile_ids).values_list("pk", "merged_into_id"))
        live_of = {pid: _follow(pid, merged) for pid in profile_ids}
        live_ids = {pid for pid in live_of.values() if pid is not None}
        consents = {}
        if purpose_obj is not None:
            consents = {
                c.profile_id: c for c in ProfileConsent.objects.filter(purpose=purpose_obj, profile_id__in=live_ids)
            }
        objections = {o.profile_id: o for o in ProfileObjection.objects.filter(profile_id__in=live_ids)}
        decisions: dict[int, Decision] = {}
        checks = []
        for pid in profile_ids:
            live = live_of[pid]
            current = consents.get(live)
            objection = objections.get(live)
            state_used = {
                "purpose": purpose,
                "profile_id": live,
                "state": current.state if current else None,
                "record_id": current.record_id if current else None,
                "occurred_at": current.occurred_at.isoformat() if current else None,
                "is_marketing": purpose_obj.is_marketing if purpose_obj else None,
                "legal_text_version": purpose_obj.legal_text_version if purpose_obj else None,
                "objected": bool(objection and objection.objected),
                "objection_record_id": objection.record_id if objection else None,
            }
            if live is None:
                reason = DecisionReason.NO_PROFILE
            elif purpose_obj is None:
                reason = DecisionReason.UNKNOWN_PURPOSE
            elif purpose_obj.is_marketing and objection and objection.objected:
                reason = DecisionReason.OBJECTED
            elif current is None:
                reason = DecisionReason.NO_CONSENT
            else:
                reason = {
                    ConsentState.GRANTED: DecisionReason.GRANTED,
                    ConsentState.DENIED: DecisionReason.DENIED,
                    ConsentState.WITHDRAWN: DecisionReason.WITHDRAWN,
                }[current.state]
            allowed = reason == DecisionReason.GRANTED
            checks.append(
                ActivationCheck(
                    profile_id=live if live is not None else None,
                    purpose=purpose[:64],
                    channel=channel,
                    allowed=allowed,
                    reason=reason,
                    state_used=state_used,
                    context=context,
                )
            )
            decisions[pid] = Decision(allowed, str(reason), state_used)
        created = ActivationCheck.objects.bulk_create(checks)
    return {
        pid: Decision(d.allowed, d.reason, d.state_used, check.pk)
        for (pid, d), check in zip(decisions.items(), created, strict=True)
    }


def _follow(profile_id: int, merged: dict[int, int | None]) -> int | None:
    """The live profile id of `profile_id` (None when unknown), following merges."""
    if profile_id not in merged:
        return None
    current, hops = profile_id, 0
    target = merged.get(current)
    while target is not None and hops < 20:
        current = target
        target = merged.get(current)
        if current not in merged:
            target = Profile.objects.filter(pk=current).values_list("merged_into_id", flat=True).first()
        hops += 1
    return current
