"""Reads for profiles: search, the 360° view and a profile's events.

Search (`profile_list(q=…)`) matches, and only matches:
- identity values (user id, anonymous id, email, configured identifier traits) that start with `q`
  (emails are stored lowercased, so they match case-insensitively);
- the traits `name`, `first_name`, `last_name` and `email` that start with `q`, ignoring case;
- the profile id, when `q` is a number.
The identity part is a prefix lookup on the (kind, value) index; the trait part is checked while
walking profiles newest-first, so a page of results stops early instead of scanning everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from ingestion.models import Event
from profiles.constants import IdentityKind
from profiles.models import Identity, IdentityConflict, Profile, ProfileMerge, TraitChange

SEARCHED_TRAITS = ("name", "first_name", "last_name", "email")
TRAIT_HISTORY_SHOWN = 50
MAX_MERGE_DEPTH = 20  # a merged profile can itself have been merged: follow at most this many links


def _identities_prefetch() -> Prefetch:
    return Prefetch("identities", queryset=Identity.objects.order_by("first_seen", "id"))


def profile_list(
    *,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    email: str | None = None,
    q: str | None = None,
) -> QuerySet[Profile]:
    """Live (not merged) profiles, most recently seen first, with their identities prefetched."""
    profiles = Profile.objects.filter(merged_into__isnull=True)
    if user_id:
        profiles = profiles.filter(_has_identity(IdentityKind.USER_ID, value=user_id))
    if anonymous_id:
        profiles = profiles.filter(_has_identity(IdentityKind.ANONYMOUS_ID, value=anonymous_id))
    if email:
        profiles = profiles.filter(_has_identity(IdentityKind.EMAIL, value=email.strip().lower()))
    if q and q.strip():
        profiles = profiles.filter(_search(q.strip()))
    return profiles.prefetch_related(_identities_prefetch()).order_by("-last_seen", "-id")


def _has_identity(kind: str, *, value: str) -> Q:
    return Q(pk__in=Identity.objects.filter(kind=kind, value=value).values("profile_id"))


def _search(q: str) -> Q:
    identities = Identity.objects.filter(
        Q(value__startswith=q) | Q(kind=IdentityKind.EMAIL, value__startswith=q.lower())
    ).values("profile_id")
    match = Q(pk__in=identities)
    for key in SEARCHED_TRAITS:
        match |= Q(**{f"traits__{key}__istartswith": q})
    if q.isdigit() and len(q) < 19:
        match |= Q(pk=int(q))
    return match


def display_name(profile: Profile, identities: list[Identity] | None = None) -> str:
    """What people call this profile: the `name` trait, first + last name, email, user id, or
    "Anonymous". Reads `identities` when given, else the (prefetched) identities."""
    traits = profile.traits or {}
    name = traits.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()
    parts = [traits.get(k) for k in ("first_name", "last_name", "firstName", "lastName")]
    full = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if full:
        return full
    ids = primary_identifiers(profile, identities)
    return ids["email"] or ids["user_id"] or "Anonymous"


def primary_identifiers(profile: Profile, identities: list[Identity] | None = None) -> dict[str, str | None]:
    """The user id, email and first anonymous id of a profile (from `identities` when given,
    else the prefetched identities)."""
    found: dict[str, str | None] = {"user_id": None, "email": None, "anonymous_id": None}
    for identity in identities if identities is not None else profile.identities.all():
        if identity.kind in found and found[identity.kind] is None:
            found[identity.kind] = identity.value
    if found["email"] is None:
        email = (profile.traits or {}).get("email")
        found["email"] = email.strip() if isinstance(email, str) and email.strip() else None
    return found


@dataclass
class ResolvedProfile:
    """A profile asked for by id: `profile` is the live one; `requested_id` is what was asked."""

    profile: Profile
    requested_id: int

    @property
    def was_merged(self) -> bool:
        return self.profile.pk != self.requested_id


def profile_resolve(profile_id: int) -> ResolvedProfile | None:
    """The live profile an id stands for, following merges (None when the id is unknown)."""
    profile = Profile.objects.filter(pk=profile_id).first()
    if profile is None:
        return None
    for _ in range(MAX_MERGE_DEPTH):
        if profile.merged_into_id is None:
            break
        profile = Profile.objects.get(pk=profile.merged_into_id)
    return ResolvedProfile(profile=profile, requested_id=profile_id)


def profile_identities(profile: Profile) -> list[Identity]:
    return list(profile.identities.order_by("kind", "first_seen", "id"))


def profile_merges(profile: Profile) -> list[ProfileMerge]:
    """Every merge that ended in this profile, including merges into profiles that were merged
    into it later, newest first."""
    merges: list[ProfileMerge] = []
    survivors = [profile.pk]
    seen = set(survivors)
    for _ in range(MAX_MERGE_DEPTH):
        level = list(ProfileMerge.objects.filter(survivor_id__in=survivors).select_related("event"))
        level = [m for m in level if m.merged_id not in seen]
        if not level:
            break
        merges.extend(level)
        survivors = [m.merged_id for m in level]
        seen.update(survivors)
    return sorted(merges, key=lambda m: (m.created_at, m.pk), reverse=True)


def profile_open_conflicts(profile: Profile) -> list[IdentityConflict]:
    """Unresolved conflicts this profile is part of (on either side)."""
    return list(
        IdentityConflict.objects.filter(Q(profile=profile) | Q(other_profile=profile), resolved=False)
        .select_related("event")
        .order_by("-created_at", "-id")
    )


def profile_trait_history(profile: Profile, *, limit: int = TRAIT_HISTORY_SHOWN) -> list[TraitChange]:
    return list(TraitChange.objects.filter(profile=profile).order_by("-changed_at", "-id")[:limit])


def trait_set_at(profile: Profile) -> dict[str, str | None]:
    """When each trait was last set (event time, ISO 8601), from the stored per-key stamps
    ("<time>|<messageId>")."""
    return {key: str(stamp).split("|", 1)[0] or None for key, stamp in (profile.trait_timestamps or {}).items()}


def profile_events(
    profile: Profile,
    *,
    event_type: str | None = None,
    name: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Event]:
    """A profile's events, newest first (uses the (profile, timestamp) index)."""
    events = Event.objects.filter(profile=profile).select_related("source")
    if event_type:
        events = events.filter(type=event_type)
    if name:
        events = events.filter(name=name)
    if since:
        events = events.filter(timestamp__gte=since)
    if until:
        events = events.filter(timestamp__lt=until)
    return events.order_by("-timestamp", "-id")


def profile_event_names(profile: Profile) -> list[str]:
    """Names of the profile's named events (for the timeline's filter), from the daily rollups."""
    from profiles.models import ProfileEventDay

    rollups = ProfileEventDay.objects.filter(profile=profile).values_list("name", flat=True).distinct()
    return sorted({n for n in rollups if n not in ("Page Viewed", "Screen Viewed")})


def profiles_exist() -> bool:
    return Profile.objects.exists()


@dataclass
class ProfileOverview:
    """Everything the 360° view shows about one live profile."""

    profile: Profile
    requested_id: int
    display_name: str
    identifiers: dict[str, str | None]
    identities: list[Identity]
    trait_set_at: dict[str, str | None]
    metrics: dict
    event_counts: dict[str, dict[str, int]]
    merges: list[ProfileMerge]
    conflicts: list[IdentityConflict]
    trait_history: list[TraitChange]

    @property
    def merged_into(self) -> int | None:
        return self.profile.pk if self.profile.pk != self.requested_id else None


def profile_overview(resolved: ResolvedProfile) -> ProfileOverview:
    from profiles.metrics import event_counts, metrics_of

    profile = resolved.profile
    identities = profile_identities(profile)
    return ProfileOverview(
        profile=profile,
        requested_id=resolved.requested_id,
        display_name=display_name(profile, identities),
        identifiers=primary_identifiers(profile, identities),
        identities=identities,
        trait_set_at=trait_set_at(profile),
        metrics=metrics_of(profile),
        event_counts=event_counts(profile.pk),
        merges=profile_merges(profile),
        conflicts=profile_open_conflicts(profile),
        trait_history=profile_trait_history(profile),
    )
