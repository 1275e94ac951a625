"""Erasure of people from segments: they leave every segment they are in (ledger cause
`erasure`, counts kept, exits broadcast after commit with ids only), then their memberships and
ledger rows go with their profiles (privacy.services.request_erase)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from segments.engine import MembershipDiff, lock_membership, write_diffs
from segments.models import Membership, MembershipChange, Segment


def memberships_erase(profile_ids, now: datetime | None = None) -> int:
    """Inside the erasure's transaction: record an `exited` ledger row (cause ERASURE) for every
    current membership of `profile_ids`, decrement the segments' member counts, delete the
    memberships and broadcast the exits after commit. Returns the number of memberships ended."""
    now = now or timezone.now()
    lock_membership()  # an evaluation running now finishes first; none starts until we commit
    rows = list(
        Membership.objects.filter(profile_id__in=list(profile_ids))
        .order_by("segment_id", "profile_id")
        .values_list("segment_id", "profile_id")
    )
    if not rows:
        return 0
    versions = dict(Segment.objects.filter(pk__in={s for s, _ in rows}).values_list("pk", "version"))
    diffs = [
        MembershipDiff(segment_id, versions.get(segment_id, 0), profile_id, False, MembershipChange.Cause.ERASURE, None)
        for segment_id, profile_id in rows
    ]
    write_diffs(diffs, now)
    return len(diffs)
