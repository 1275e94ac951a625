"""Reads for segments: lists, members, previews, impact, the ledger's answers, explanations."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import datetime

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from profiles.models import Profile
from profiles.selectors import profile_list
from segments import pg
from segments.engine import consent_granted, consent_q, membership_q
from segments.models import Membership, MembershipChange, Segment
from segments.rules import parse
from segments.rules.events import probed_count
from segments.rules.explain import explain
from segments.rules.state import state_for_profile
from segments.rules.to_sql import matching_profiles
from segments.rules.tree import AllOf, EventCondition, walk

SAMPLE_SIZE = 10


def segment_list(*, include_archived: bool = False, viewer=None) -> QuerySet[Segment]:
    """Segments by name; with `viewer`, only those the viewer may see (per-segment access,
    accounts/segment_access.py), filtered in the query."""
    segments = Segment.objects.select_related("owner")
    if not include_archived:
        segments = segments.filter(status=Segment.Status.ACTIVE)
    if viewer is not None:
        from accounts.segment_access import segments_visible

        segments = segments_visible(segments, viewer)
    return segments.order_by("name", "id")


def segment_members(segment: Segment) -> QuerySet[Profile]:
    """Current members, newest activity first, identities prefetched (for the profile list)."""
    return profile_list().filter(memberships__segment=segment)


# A rule whose "at least n events" conditions (n >= 2) sit beside other conditions at its top
# level, which the planner expects to leave at most this many profiles, asks those profiles for
# their n-th event instead of grouping everybody's events (events.CountSubject).
PROBED_CANDIDATES = 150_000


def rule_matches(rule: dict, *, now: datetime | None = None) -> QuerySet[Profile]:
    """Who a rule selects now (the SQL target). On PostgreSQL, "at least n events" beside
    selective conditions is probed per candidate ("EU readers without orders": 7.0 s grouped,
    1.1 s probed); the same profiles either way."""
    node = parse(rule)
    options = {"now": now or timezone.now(), "segment_sql": membership_q, "consent_sql": consent_q}
    probe = connection.vendor == "postgresql" and _few_candidates(node, options)
    return matching_profiles(node, probe_counts=probe, **options)


def _few_candidates(node, options: dict) -> bool:
    """Whether every "at least n events" condition of the rule (n >= 2) is a child of its top-level
    `all`, and the other children leave at most PROBED_CANDIDATES profiles (planner's estimate)."""
    counted = [c for c in walk(node) if isinstance(c, EventCondition) and probed_count(c) is not None]
    if not counted or not isinstance(node, AllOf):
        return False
    if not all(any(c is child for child in node.children) for c in counted):
        return False
    others = tuple(child for child in node.children if not any(child is c for c in counted))
    if not others:
        return False
    candidates = matching_profiles(others[0] if len(others) == 1 else AllOf(others), **options)
    return pg.estimated_rows(candidates) <= PROBED_CANDIDATES


# Rules the planner expects to select at most this many profiles are previewed in one statement
# (count and sample from one evaluation, every match sorted); broader ones in two.
ONE_SCAN_PREVIEW_ROWS = 200_000


def _count_and_sample(profiles: QuerySet[Profile]) -> tuple[int, list[int]]:
    """How many profiles `profiles` selects, and the ids of the SAMPLE_SIZE most recently seen.
    A broad selection takes two statements: the sample's ORDER BY … LIMIT stops early on the
    last_seen index, so sorting every match would cost more than evaluating the rule twice. A
    narrow one (as the PostgreSQL planner estimates it) is evaluated once, count and sample
    together: its sample query cannot stop early, and used to cost as much as the count."""
    if connection.vendor == "postgresql" and pg.estimated_rows(profiles) <= ONE_SCAN_PREVIEW_ROWS:
        return pg.count_and_sample(profiles, SAMPLE_SIZE)
    sample_ids = list(profiles.order_by("-last_seen", "-id").values_list("pk", flat=True)[:SAMPLE_SIZE])
    return profiles.count(), sample_ids


class PreviewTimedOut(Exception):
    """A preview ran longer than SEGMENT_PREVIEW_TIMEOUT_SECONDS and was stopped."""


# PostgreSQL's planner estimates each operator at cpu_operator_cost (0.0025, about a sequential
# page read / 400); a rule's operators read JSON and parse numbers and date-times, about four times
# dearer than that (0.5 us per event value). Estimated at the default, the planner had each
# parallel process read and parse all 800,000 orders for "an order over 150" (0.95 s; 0.46 s
# planned with this figure, each process reading a third). docs/benchmarks.md.
PREVIEW_CPU_OPERATOR_COST = 0.01


def _preview_settings() -> dict[str, str]:
    """What a preview's transaction sets on PostgreSQL. No JIT compilation: a preview runs for a
    second or two, and compiling its expressions took up to 0.7 s of that."""
    return {
        "statement_timeout": f"{int(settings.SEGMENT_PREVIEW_TIMEOUT_SECONDS * 1000)}",
        "jit": "off",
        "work_mem": f"{settings.SEGMENT_PREVIEW_WORK_MEM_MB}MB",
        "cpu_operator_cost": f"{PREVIEW_CPU_OPERATOR_COST}",
    }


@contextmanager
def _time_limited():
    """Stop the queries run inside after SEGMENT_PREVIEW_TIMEOUT_SECONDS, with PreviewTimedOut:
    PostgreSQL's statement_timeout for this transaction (with the rest of _preview_settings),
    SQLite's progress handler."""
    seconds = settings.SEGMENT_PREVIEW_TIMEOUT_SECONDS
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                wanted = _preview_settings()
                names = list(wanted)
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT " + ", ".join(["current_setting(%s)"] * len(names)),
                        names,
                    )
                    before = cursor.fetchone()
                    _set_local(cursor, wanted)
                yield
                with connection.cursor() as cursor:  # inside a caller's transaction, they would outlive us
                    _set_local(cursor, dict(zip(names, before, strict=True)))
            else:
                deadline = time.monotonic() + seconds
                raw = connection.connection
                raw.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 100_000)
                try:
                    yield
                finally:
                    raw.set_progress_handler(None, 0)
    except OperationalError as error:
        if _was_cancelled(error):
            raise PreviewTimedOut(f"counting took longer than {seconds} s and was stopped") from error
        raise


def _set_local(cursor, values: dict[str, str]) -> None:
    """SET LOCAL each setting (set_config(name, value, true): until the transaction ends)."""
    calls = ", ".join(["set_config(%s, %s, true)"] * len(values))
    cursor.execute(f"SELECT {calls}", [part for pair in values.items() for part in pair])


def _was_cancelled(error: OperationalError) -> bool:
    """PostgreSQL cancelled the statement (statement_timeout), or SQLite's progress handler
    interrupted it."""
    if connection.vendor == "postgresql":
        from psycopg.errors import QueryCanceled

        return isinstance(error.__cause__, QueryCanceled)
    return "interrupted" in str(error).lower()


def rule_preview(rule: dict) -> dict:
    """{count, sample}: how many profiles a rule selects now and a few of them (the most recently
    seen). Stopped with PreviewTimedOut after SEGMENT_PREVIEW_TIMEOUT_SECONDS."""
    with _time_limited():
        count, sample_ids = _count_and_sample(rule_matches(rule))
    return {"count": count, "sample": _in_order(sample_ids)}


def rule_impact(segment: Segment, rule: dict) -> dict:
    """What saving `rule` on `segment` would change: {entering, leaving, samples of each}.
    Stopped with PreviewTimedOut after SEGMENT_PREVIEW_TIMEOUT_SECONDS."""
    target = rule_matches(rule).values("pk")
    current = Membership.objects.filter(segment=segment).values("profile_id")
    with _time_limited():
        entering, entering_ids = _count_and_sample(Profile.objects.filter(pk__in=target).exclude(pk__in=current))
        leaving, leaving_ids = _count_and_sample(Profile.objects.filter(pk__in=current).exclude(pk__in=target))
    return {
        "entering": entering,
        "leaving": leaving,
        "entering_sample": _in_order(entering_ids),
        "leaving_sample": _in_order(leaving_ids),
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


# --- Pages: trends, last changes, composition (segments UI) ---------------------------------------


def segment_trends(segments: list[Segment], *, days: int = 30, now: datetime | None = None) -> dict[int, list[int]]:
    """Each segment's size at the end of each of the last `days` UTC days (today last), walked back
    from its current member_count through the ledger's daily net changes: one grouped query."""
    from datetime import timedelta

    from django.db.models import Count, Q
    from django.db.models.functions import TruncDate

    today = (now or timezone.now()).date()
    start = today - timedelta(days=days - 1)
    ids = [s.pk for s in segments]
    net: dict[int, dict] = {pk: {} for pk in ids}
    rows = (
        MembershipChange.objects.filter(segment_id__in=ids, at__date__gte=start)
        .annotate(day=TruncDate("at"))
        .values("segment_id", "day")
        .annotate(entries=Count("id", filter=Q(entered=True)), exits=Count("id", filter=Q(entered=False)))
    )
    for row in rows:
        net[row["segment_id"]][row["day"]] = row["entries"] - row["exits"]
    trends = {}
    for segment in segments:
        size = segment.member_count
        series = []
        for offset in range(days):
            day = today - timedelta(days=offset)
            series.append(max(size, 0))
            size -= net[segment.pk].get(day, 0)
        trends[segment.pk] = list(reversed(series))
    return trends


def segment_last_changes(segment_ids: list[int]) -> dict[int, datetime]:
    """When each segment's membership last changed (from the ledger)."""
    rows = MembershipChange.objects.filter(segment_id__in=segment_ids).values("segment_id").annotate(last=Max("at"))
    return {row["segment_id"]: row["last"] for row in rows}


def segment_rfm_breakdown(segment: Segment) -> list[dict]:
    """Members per RFM class, largest first ("" = no class yet: no orders)."""
    from django.db.models import Count

    rows = (
        Profile.objects.filter(memberships__segment=segment)
        .values("rfm_class")
        .annotate(members=Count("id"))
        .order_by("-members", "rfm_class")
    )
    return [{"rfm_class": row["rfm_class"] or "", "members": row["members"]} for row in rows]


def segment_member_traits(segment: Segment, *, sample: int = 2000) -> list[dict]:
    """Trait documents of up to `sample` most recently seen members (for composition breakdowns)."""
    return list(
        Profile.objects.filter(memberships__segment=segment)
        .order_by("-last_seen")
        .values_list("traits", flat=True)[:sample]
    )


def profile_segments(profile: Profile, viewer=None) -> list[dict]:
    """The active segments a profile is in now, most recently entered first (only those
    `viewer` may see, when given: per-segment access)."""
    memberships = Membership.objects.filter(profile=profile, segment__status=Segment.Status.ACTIVE)
    if viewer is not None:
        memberships = memberships.filter(segment__in=segment_list(viewer=viewer).values("pk"))
    rows = memberships.order_by("-since", "segment_id").values_list("segment_id", "segment__name", "since")
    return [{"id": segment_id, "name": name, "since": since} for segment_id, name, since in rows]
