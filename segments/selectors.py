"""Reads for segments: lists, members, previews, impact, the ledger's answers, explanations."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max, QuerySet
from django.utils import timezone

from profiles.models import Profile
from profiles.selectors import profile_list
from segments.engine import consent_granted, consent_q, membership_q
from segments.models import Membership, MembershipChange, Segment
from segments.rules import parse
from segments.rules.explain import explain
from segments.rules.state import state_for_profile
from segments.rules.to_sql import matching_profiles

SAMPLE_SIZE = 10


def segment_list(*, include_archived: bool = False) -> QuerySet[Segment]:
    segments = Segment.objects.select_related("owner")
    if not include_archived:
        segments = segments.filter(status=Segment.Status.ACTIVE)
    return segments.order_by("name", "id")


def segment_members(segment: Segment) -> QuerySet[Profile]:
    """Current members, newest activity first, identities prefetched (for the profile list)."""
    return profile_list().filter(memberships__segment=segment)


def rule_matches(rule: dict, *, now: datetime | None = None) -> QuerySet[Profile]:
    """Who a rule selects now (the SQL target)."""
    return matching_profiles(rule, now=now or timezone.now(), segment_sql=membership_q, consent_sql=consent_q)


def rule_preview(rule: dict) -> dict:
    """{count, sample}: how many profiles a rule selects now and a few of them."""
    matches = rule_matches(rule)
    sample_ids = list(matches.order_by("-last_seen", "-id").values_list("pk", flat=True)[:SAMPLE_SIZE])
    return {"count": matches.count(), "sample": _in_order(sample_ids)}


def rule_impact(segment: Segment, rule: dict) -> dict:
    """What saving `rule` on `segment` would change: {entering, leaving, samples of each}."""
    target = rule_matches(rule).values("pk")
    current = Membership.objects.filter(segment=segment).values("profile_id")
    entering = Profile.objects.filter(pk__in=target).exclude(pk__in=current)
    leaving = Profile.objects.filter(pk__in=current).exclude(pk__in=target)
    return {
        "entering": entering.count(),
        "leaving": leaving.count(),
        "entering_sample": _in_order(
            list(entering.order_by("-last_seen", "-id").values_list("pk", flat=True)[:SAMPLE_SIZE])
        ),
        "leaving_sample": _in_order(
            list(leaving.order_by("-last_seen", "-id").values_list("pk", flat=True)[:SAMPLE_SIZE])
        ),
    }


def _in_order(ids: list[int]) -> list[Profile]:
    by_id = {p.pk: p for p in profile_list().filter(pk__in=ids)}
    return [by_id[i] for i in ids if i in by_id]


def segment_history(segment: Segment) -> QuerySet[MembershipChange]:
    return MembershipChange.objects.filter(segment=segment).select_related("event").order_by("-at", "-id")


def members_at(segment: Segment, moment: datetime) -> QuerySet[Profile]:
    """Who was in the segment at `moment`, from the ledger: each profile's last change at or
    before then was an entry."""
    last_changes = (
        MembershipChange.objects.filter(segment=segment, at__lte=moment)
        .values("profile_id")
        .annotate(last_id=Max("id"))
        .values("last_id")
    )
    entered = MembershipChange.objects.filter(id__in=last_changes, entered=True).values("profile_id")
    return profile_list().filter(pk__in=entered)


def size_over_time(segment: Segment) -> list[dict]:
    """The segment's size after each day with changes (UTC days), from the ledger."""
    from django.db.models import Count, Q
    from django.db.models.functions import TruncDate

    rows = (
        MembershipChange.objects.filter(segment=segment)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(entries=Count("id", filter=Q(entered=True)), exits=Count("id", filter=Q(entered=False)))
        .order_by("day")
    )
    size = 0
    series = []
    for row in rows:
        size += row["entries"] - row["exits"]
        series.append({"day": row["day"], "size": size, "entered": row["entries"], "exited": row["exits"]})
    return series


def segment_explain(segment: Segment, profile: Profile) -> dict:
    """Why a profile is (or is not) in a segment: the rule evaluated on its state now, with the
    values seen, plus its membership and the ledger entry that put it there."""
    now = timezone.now()
    membership = set(Membership.objects.filter(profile=profile).values_list("segment_id", "profile_id"))
    tree = explain(
        parse(segment.rule),
        state_for_profile(profile),
        now,
        segment_member=lambda state, segment_id: (segment_id, state.profile_id) in membership,
        consent_granted=consent_granted,
    )
    last_change = MembershipChange.objects.filter(segment=segment, profile=profile).order_by("-at", "-id").first()
    return {
        "segment_id": segment.pk,
        "profile_id": profile.pk,
        "member": (segment.pk, profile.pk) in membership,
        "evaluated_at": now,
        "explanation": tree,
        "last_change": last_change,
    }
