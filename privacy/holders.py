"""The built-in holders of personal data (privacy.registry): segments, the event store, profiles,
the admin log, and — generically — any other table with a foreign key to a profile (consent
records, campaign sends…) that no holder claims."""

from __future__ import annotations

from decimal import Decimal
from functools import reduce
from operator import or_

from django.apps import apps
from django.db.models import Q

from privacy.registry import Person, claimed_models, register


def plain(value):
    """A JSON-ready value (exports)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def rows(queryset, fields: list[str] | None = None) -> list[dict]:
    return [plain(row) for row in queryset.values(*(fields or []))]


def _contains_any(field: str, values: set[str]) -> Q | None:
    wanted = [v for v in values if v]
    if not wanted:
        return None
    return reduce(or_, (Q(**{f"{field}__contains": v}) for v in wanted))


# --- segments -----------------------------------------------------------------------------------


def segments_export(person: Person) -> dict[str, list[dict]]:
    from privacy.describe import describe
    from segments.models import Membership, MembershipChange, Segment

    ids = list(person.profile_ids)
    names = dict(Segment.objects.values_list("pk", "name"))
    memberships = []
    for membership in Membership.objects.filter(profile_id__in=ids).select_related("segment").order_by("segment_id"):
        segment = membership.segment
        memberships.append(
            {
                "segment_id": segment.pk,
                "segment": segment.name,
                "description": segment.description,
                "since": membership.since.isoformat(),
                "rule_version": segment.version,
                "logic": describe(segment.rule, names),
                "rule": segment.rule,
            }
        )
    ledger = rows(
        MembershipChange.objects.filter(profile_id__in=ids).order_by("at", "id"),
        ["segment_id", "segment__name", "profile_id", "entered", "at", "cause", "version", "event_id"],
    )
    return {"segment_memberships": memberships, "segment_history": ledger}


def segments_erase(person: Person, evidence: dict) -> int:
    from segments.erasure import memberships_erase
    from segments.models import MembershipChange

    ended = memberships_erase(person.profile_ids)
    deleted, _ = MembershipChange.objects.filter(profile_id__in=list(person.profile_ids)).delete()
    evidence["segments.Membership"] = ended
    evidence["segments.MembershipChange"] = deleted
    return ended + deleted


# --- ingestion ----------------------------------------------------------------------------------


def _events_q(person: Person) -> Q:
    from profiles.constants import IdentityKind

    q = Q(profile_id__in=list(person.profile_ids))
    user_ids = person.values(IdentityKind.USER_ID)
    anonymous_ids = person.values(IdentityKind.ANONYMOUS_ID)
    if user_ids:
        q |= Q(user_id__in=user_ids)
    if anonymous_ids:
        q |= Q(anonymous_id__in=anonymous_ids)
    if user_ids | anonymous_ids:
        q |= Q(previous_id__in=user_ids | anonymous_ids)
    return q


def ingestion_export(person: Person) -> dict[str, list[dict]]:
    from ingestion.models import Event

    events = rows(
        Event.objects.filter(_events_q(person)).order_by("timestamp", "id"),
        [
            "id",
            "message_id",
            "type",
            "name",
            "user_id",
            "anonymous_id",
            "group_id",
            "previous_id",
            "properties",
            "traits",
            "context",
            "timestamp",
            "received_at",
            "source__name",
            "profile_id",
        ],
    )
    return {"events": events}


def ingestion_erase(person: Person, evidence: dict) -> int:
    from ingestion.models import Event, ImportJob, IngestionWarning
    from privacy.events import events_delete

    total = 0
    ids = list(Event.objects.filter(_events_q(person)).values_list("pk", flat=True))
    deleted = 0
    for start in range(0, len(ids), 2000):
        deleted += events_delete(ids[start : start + 2000])
    evidence["ingestion.Event"] = deleted
    total += deleted
    values = person.values()
    # Diagnostics: a warning's excerpt is a copy of what was sent; an import's per-line errors may
    # quote a cell.
    excerpt_q = _contains_any("excerpt", values)
    if excerpt_q is not None:
        count, _ = IngestionWarning.objects.filter(excerpt_q).delete()
        evidence["ingestion.IngestionWarning"] = count
        total += count
        scrubbed = 0
        for job in ImportJob.objects.exclude(errors=[]).only("errors"):
            kept = [e for e in job.errors if not any(v in str(e) for v in values)]
            if kept != job.errors:
                scrubbed += len(job.errors) - len(kept)
                ImportJob.objects.filter(pk=job.pk).update(errors=kept)
        evidence["ingestion.ImportJob.errors"] = scrubbed
        total += scrubbed
        evidence["kept:ingestion.ImportFile"] = _unfinished_import_files_quoting(values)
    return total


def _unfinished_import_files_quoting(values: set[str]) -> int:
    """Uploaded CSV files still held for an unfinished import (draft, checked, failed…) that quote
    the person. They are not rewritten (an import resumes by row number); their rows are dropped
    by the suppression list when imported, and the file's contents go when its imports finish or
    are discarded. Reported in the evidence so the steward can discard them."""
    from ingestion.models import ImportFile

    needles = [v.lower().encode() for v in values if v]
    found = 0
    for data in ImportFile.objects.filter(data__isnull=False).values_list("data", flat=True).iterator(chunk_size=10):
        haystack = bytes(data).lower()
        if any(needle in haystack for needle in needles):
            found += 1
    return found


# --- profiles -----------------------------------------------------------------------------------

PROFILE_FIELDS = [
    "id",
    "created_at",
    "updated_at",
    "merged_into_id",
    "traits",
    "first_seen",
    "last_seen",
    "events_count",
    "sessions_count",
    "page_views_count",
    "orders_count",
    "revenue_total",
    "first_order_at",
    "last_order_at",
    "rfm_recency",
    "rfm_frequency",
    "rfm_monetary",
    "rfm_class",
]


def profiles_export(person: Person) -> dict[str, list[dict]]:
    from profiles.models import Identity, IdentityConflict, Profile, ProfileEventDay, ProfileMerge, TraitChange

    ids = list(person.profile_ids)
    mine = Q(profile_id__in=ids)
    return {
        "profiles": rows(Profile.objects.filter(pk__in=ids).order_by("pk"), PROFILE_FIELDS),
        "identities": rows(Identity.objects.filter(mine).order_by("kind", "value"), ["kind", "value", "first_seen"]),
        "trait_history": rows(
            TraitChange.objects.filter(mine).order_by("changed_at", "id"),
            ["profile_id", "key", "old_value", "new_value", "changed_at", "event_id"],
        ),
        "daily_activity": rows(
            ProfileEventDay.objects.filter(mine).order_by("day", "name"), ["name", "day", "count", "revenue"]
        ),
        "merges": rows(
            ProfileMerge.objects.filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids)).order_by("created_at"),
            ["survivor_id", "merged_id", "reason", "identities_moved", "created_at"],
        ),
        "identity_conflicts": rows(
            IdentityConflict.objects.filter(Q(profile_id__in=ids) | Q(other_profile_id__in=ids)),
            ["profile_id", "other_profile_id", "kind", "value", "created_at", "resolved"],
        ),
    }


def profiles_erase(person: Person, evidence: dict) -> int:
    from profiles.models import Identity, IdentityConflict, Profile, ProfileEventDay, ProfileMerge, TraitChange

    ids = list(person.profile_ids)
    total = 0
    for label, queryset in (
        (
            "profiles.IdentityConflict",
            IdentityConflict.objects.filter(Q(profile_id__in=ids) | Q(other_profile_id__in=ids)),
        ),
        ("profiles.ProfileMerge", ProfileMerge.objects.filter(Q(survivor_id__in=ids) | Q(merged_id__in=ids))),
        ("profiles.TraitChange", TraitChange.objects.filter(profile_id__in=ids)),
        ("profiles.ProfileEventDay", ProfileEventDay.objects.filter(profile_id__in=ids)),
        ("profiles.Identity", Identity.objects.filter(profile_id__in=ids)),
    ):
        count = queryset.delete()[1].get(label, 0)
        evidence[label] = count
        total += count
    # Other people's profiles never point here (merged-away profiles of this person are in `ids`).
    Profile.objects.filter(merged_into_id__in=ids).exclude(pk__in=ids).update(merged_into=None)
    count = Profile.objects.filter(pk__in=ids).delete()[1].get("profiles.Profile", 0)
    evidence["profiles.Profile"] = count
    return total + count


# --- Django admin log ---------------------------------------------------------------------------


def admin_log_erase(person: Person, evidence: dict) -> int:
    """Steward console history naming the person (object_repr such as "email=ana@…")."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from profiles.models import Profile

    q = Q(content_type=ContentType.objects.get_for_model(Profile), object_id__in=[str(i) for i in person.profile_ids])
    repr_q = _contains_any("object_repr", person.values())
    if repr_q is not None:
        q |= repr_q
    count, _ = LogEntry.objects.filter(q).delete()
    evidence["admin.LogEntry"] = count
    return count


# --- caches ---------------------------------------------------------------------------------------


def caches_erase(person: Person, evidence: dict) -> int:
    """Shared caches that may quote the person (the segment builder's observed trait and property
    values): dropped now and again after commit, so nothing recomputed meanwhile survives."""
    from django.db import transaction

    from profiles.models import ProfileEventDay

    names = set(ProfileEventDay.objects.filter(profile_id__in=list(person.profile_ids)).values_list("name", flat=True))
    keys = ["segments:discovery:traits", "segments:discovery:events"]
    try:
        from segments.discovery import _key

        keys += [f"segments:discovery:props:{_key(name)}" for name in sorted(names)]
    except ImportError:
        pass

    def drop():
        from django.core.cache import cache

        cache.delete_many(keys)

    drop()
    transaction.on_commit(drop)
    return 0


# --- generic: any other table pointing at a profile ---------------------------------------------


def _profile_fk_models():
    from profiles.models import Profile

    skip = claimed_models()
    found = []
    for model in apps.get_models():
        if model in skip or model._meta.app_label == "privacy":
            continue
        fields = [
            f.name
            for f in model._meta.get_fields()
            if f.is_relation and f.many_to_one and f.concrete and f.related_model is Profile
        ]
        if fields:
            found.append((model, fields))
    return found


def _generic_q(fields: list[str], person: Person) -> Q:
    return reduce(or_, (Q(**{f"{name}_id__in": list(person.profile_ids)}) for name in fields))


def generic_export(person: Person) -> dict[str, list[dict]]:
    out = {}
    for model, fields in _profile_fk_models():
        found = rows(model.objects.filter(_generic_q(fields, person)))
        if found:
            out[f"{model._meta.app_label}_{model._meta.model_name}"] = found
    return out


def generic_erase(person: Person, evidence: dict) -> int:
    total = 0
    for model, fields in _profile_fk_models():
        _, per_model = model.objects.filter(_generic_q(fields, person)).delete()
        for label, count in per_model.items():
            evidence[label] = evidence.get(label, 0) + count
            total += count
    return total


def register_builtin_holders() -> None:
    from ingestion.models import Event
    from profiles.models import Identity, IdentityConflict, Profile, ProfileEventDay, ProfileMerge, TraitChange
    from segments.models import Membership, MembershipChange

    register("caches", erase=caches_erase, order=1)
    register("segments", export=segments_export, erase=segments_erase, order=10, models=(Membership, MembershipChange))
    register("ingestion", export=ingestion_export, erase=ingestion_erase, order=20, models=(Event,))
    register("other tables", export=generic_export, erase=generic_erase, order=50)
    register(
        "profiles",
        export=profiles_export,
        erase=profiles_erase,
        order=90,
        models=(Profile, Identity, IdentityConflict, ProfileEventDay, ProfileMerge, TraitChange),
    )
    register("admin log", erase=admin_log_erase, order=95)
