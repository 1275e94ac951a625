"""Helpers for consent tests."""

from __future__ import annotations

from profiles.models import Identity, Profile
from segments.models import Membership, Segment


def profile_of(user_id: str) -> Profile:
    return Profile.objects.get(pk=Identity.objects.get(kind="user_id", value=user_id).profile_id)


def members(segment: Segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("profile_id", flat=True))
