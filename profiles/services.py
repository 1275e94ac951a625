"""Writes for profiles outside the event pipeline (settings, maintenance)."""

from __future__ import annotations

from django.db.models import Count

from profiles.constants import TRAIT_HISTORY_PER_PROFILE
from profiles.models import Profile, ProfileSettings, TraitChange
from profiles.settings import forget_profile_config


def profiles_lock(profile_ids, *, live_only: bool = False) -> list[int]:
    """Lock these profiles' rows for the current transaction, in id order — the order the event
    pipeline locks them in, so that writers outside it never deadlock with it or decide the same
    profile at once. `live_only` leaves merged profiles out. Returns the ids locked."""
    profiles = Profile.objects.select_for_update().filter(pk__in=sorted(set(profile_ids)))
    if live_only:
        profiles = profiles.filter(merged_into__isnull=True)
    return list(profiles.order_by("pk").values_list("pk", flat=True))


def trait_history_prune(*, keep: int = TRAIT_HISTORY_PER_PROFILE) -> int:
    """Keep only the newest `keep` trait changes per profile. Returns how many rows were deleted."""
    deleted = 0
    crowded = (
        TraitChange.objects.values("profile_id")
        .annotate(n=Count("id"))
        .filter(n__gt=keep)
        .values_list("profile_id", flat=True)
    )
    for profile_id in crowded.iterator():
        cutoff_ids = list(
            TraitChange.objects.filter(profile_id=profile_id)
            .order_by("-changed_at", "-id")
            .values_list("id", flat=True)[keep:]
        )
        deleted += TraitChange.objects.filter(id__in=cutoff_ids).delete()[0]
    return deleted


def profile_settings_update(
    *, identifier_traits: list[str] | None = None, purchase_events: list[str] | None = None
) -> ProfileSettings:
    row, _ = ProfileSettings.objects.get_or_create(pk=1)
    if identifier_traits is not None:
        row.identifier_traits = [k.strip() for k in identifier_traits if k.strip()]
    if purchase_events is not None:
        row.purchase_events = [n.strip() for n in purchase_events if n.strip()]
    row.save()
    forget_profile_config()
    return row
