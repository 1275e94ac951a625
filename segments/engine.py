"""Keeps segment membership current and explained.

* Full evaluation (SQL target): when a segment is created or its rule edited; the diff against
  current membership is written with ledger rows (cause `rule_edit`).
* Incremental evaluation (predicate target): inside every event batch's transaction, only the
  segments whose rules depend on what changed, only for the profiles the batch touched, in
  dependency order (a segment that references another is evaluated after it). Ledger cause
  `event` (with the profile's latest event) or `merge`.

Membership changes are broadcast to Channels groups after commit (cdp.realtime).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import orjson
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from cdp.realtime import FEED_GROUP, broadcast, group_for_segment
from profiles.hooks import AppliedBatch
from profiles.models import Profile
from segments.models import Membership, MembershipChange, Segment
from segments.rules import parse
from segments.rules.dependencies import Dependencies, dependencies, referenced_segments
from segments.rules.state import ProfileState, states_for_profiles
from segments.rules.to_predicate import Predicate, compile_predicate
from segments.rules.to_sql import matching_profiles

log = logging.getLogger(__name__)


# --- Resolvers: how rules see other segments and consent ----------------------------------------


def membership_q(segment_id: int) -> Q:
    return Q(pk__in=Membership.objects.filter(segment_id=segment_id).values("profile_id"))


def consent_q(purpose: str) -> Q:
    """Consent records arrive with the consent issue; until then nobody has granted a purpose."""
    return Q(pk__in=[])


def consent_granted(state: ProfileState, purpose: str) -> bool:
    return False


# --- Compiled segments ---------------------------------------------------------------------------


@dataclass
class CompiledSegment:
    id: int
    version: int
    predicate: Predicate
    depends_on: Dependencies
    references: set[int]


_compiled: dict[tuple[int, int, bytes], tuple] = {}


def _compile(segment: Segment, membership: set[tuple[int, int]]) -> CompiledSegment:
    """Compile a segment's rule once per version (cached); `membership` is the batch's working
    set of (segment id, profile id) that segment conditions read."""
    # Keyed by the rule's content too: ids can be reused (SQLite reuses the highest id of a deleted
    # row), and a stale compiled rule would silently decide membership.
    key = (segment.pk, segment.version, orjson.dumps(segment.rule, option=orjson.OPT_SORT_KEYS))
    cached = _compiled.get(key)
    if cached is None:
        rule = parse(segment.rule)
        cached = (rule, dependencies(rule), referenced_segments(rule))
        if len(_compiled) > 1000:
            _compiled.clear()
        _compiled[key] = cached
    rule, depends_on, references = cached
    predicate = compile_predicate(
        rule,
        segment_member=lambda state, segment_id: (segment_id, state.profile_id) in membership,
        consent_granted=consent_granted,
    )
    return CompiledSegment(segment.pk, segment.version, predicate, depends_on, references)


def in_dependency_order(segments: list[CompiledSegment]) -> list[CompiledSegment]:
    """Referenced segments first (rules are acyclic: cycles are refused when saving)."""
    by_id = {s.id: s for s in segments}
    ordered: list[CompiledSegment] = []
    done: set[int] = set()

    def visit(segment: CompiledSegment) -> None:
        if segment.id in done:
            return
        done.add(segment.id)
        for ref in sorted(segment.references):
            if ref in by_id:
                visit(by_id[ref])
        ordered.append(segment)

    for segment in sorted(segments, key=lambda s: s.id):
        visit(segment)
    return ordered


def _affected(segment: CompiledSegment, changed: frozenset[str], segments_changed: set[int]) -> bool:
    deps = segment.depends_on
    if "merge" in changed or deps.time or deps.consents:
        return True
    if deps.metrics and "metrics" in changed:
        return True
    if deps.segments & segments_changed:
        return True
    for item in changed:
        kind, _, name = item.partition(":")
        if (kind == "trait" and name.split(".")[0] in deps.traits) or (kind == "event" and name in deps.events):
            return True
    return False


# --- Incremental ---------------------------------------------------------------------------------


@dataclass
class MembershipDiff:
    segment_id: int
    version: int
    profile_id: int
    entered: bool
    cause: str
    event_id: int | None


def profiles_applied(batch: AppliedBatch) -> None:
    """In the event batch's transaction: re-evaluate what the batch may have changed."""
    segments = list(Segment.objects.filter(status=Segment.Status.ACTIVE))
    if not segments or not (batch.changes or batch.merged_away):
        return
    profile_ids = set(batch.changes)
    membership = set(
        Membership.objects.filter(profile_id__in=profile_ids | set(batch.merged_away)).values_list(
            "segment_id", "profile_id"
        )
    )
    compiled = in_dependency_order([_compile(s, membership) for s in segments])
    states = states_for_profiles(Profile.objects.filter(pk__in=profile_ids)) if profile_ids else {}
    diffs: list[MembershipDiff] = []
    changed_segments: dict[int, set[int]] = {pid: set() for pid in profile_ids}
    for segment in compiled:
        for profile_id, changed in batch.changes.items():
            if not _affected(segment, changed, changed_segments[profile_id]):
                continue
            member = segment.predicate(states[profile_id], batch.now)
            was = (segment.id, profile_id) in membership
            if member == was:
                continue
            cause = MembershipChange.Cause.MERGE if "merge" in changed else MembershipChange.Cause.EVENT
            diffs.append(
                MembershipDiff(segment.id, segment.version, profile_id, member, cause, batch.last_event.get(profile_id))
            )
            changed_segments[profile_id].add(segment.id)
            (membership.add if member else membership.discard)((segment.id, profile_id))
    versions = {s.id: s.version for s in compiled}
    for merged_id in batch.merged_away:  # a merged profile leaves every segment
        for segment_id, profile_id in list(membership):
            if profile_id == merged_id:
                diffs.append(MembershipDiff(segment_id, versions.get(segment_id, 0), merged_id, False, "merge", None))
                membership.discard((segment_id, profile_id))
    write_diffs(diffs, batch.now)


def write_diffs(diffs: list[MembershipDiff], now: datetime) -> None:
    """Apply membership changes, append them to the ledger, keep counts, broadcast after commit."""
    if not diffs:
        return
    entering = [d for d in diffs if d.entered]
    leaving = [d for d in diffs if not d.entered]
    Membership.objects.bulk_create(
        [Membership(segment_id=d.segment_id, profile_id=d.profile_id, since=now) for d in entering],
        ignore_conflicts=True,
    )
    for segment_id in {d.segment_id for d in leaving}:
        Membership.objects.filter(
            segment_id=segment_id, profile_id__in=[d.profile_id for d in leaving if d.segment_id == segment_id]
        ).delete()
    MembershipChange.objects.bulk_create(
        [
            MembershipChange(
                segment_id=d.segment_id,
                profile_id=d.profile_id,
                entered=d.entered,
                at=now,
                cause=d.cause,
                event_id=d.event_id,
                version=d.version,
            )
            for d in diffs
        ]
    )
    deltas: dict[int, int] = {}
    for d in diffs:
        deltas[d.segment_id] = deltas.get(d.segment_id, 0) + (1 if d.entered else -1)
    for segment_id, delta in deltas.items():
        Segment.objects.filter(pk=segment_id).update(member_count=F("member_count") + delta)
    messages = [_message(d, now) for d in diffs]
    transaction.on_commit(lambda: _broadcast(messages))


def _message(diff: MembershipDiff, now: datetime) -> dict:
    return {
        "type": "segment.membership",
        "segment_id": diff.segment_id,
        "profile_id": diff.profile_id,
        "change": "entered" if diff.entered else "exited",
        "cause": diff.cause,
        "event_id": diff.event_id,
        "at": now.isoformat(),
    }


# In-process subscribers to committed membership changes (campaigns, destinations): each gets
# the list of messages of one transaction.
_activation_listeners: list = []


def on_membership_changes(listener) -> None:
    """Subscribe `listener(messages)` to committed membership changes (the activation hook)."""
    if listener not in _activation_listeners:
        _activation_listeners.append(listener)


def off_membership_changes(listener) -> None:
    if listener in _activation_listeners:
        _activation_listeners.remove(listener)


def _broadcast(messages: list[dict]) -> None:
    """After commit: websockets (Channels groups), then the activation hook. A failure here never
    undoes a committed change; it is logged."""
    try:
        for message in messages:
            broadcast(group_for_segment(message["segment_id"]), message)
            broadcast(FEED_GROUP, message)
    except Exception:
        log.exception("broadcasting membership changes failed")
    for listener in list(_activation_listeners):
        try:
            listener(messages)
        except Exception:
            log.exception("membership change listener %r failed", listener)


# --- Full evaluation -----------------------------------------------------------------------------


def evaluate_segment(segment_id: int, *, cause: str = MembershipChange.Cause.RULE_EDIT) -> int:
    """Evaluate a segment over every profile with its SQL target and write the difference.
    Returns the number of membership changes."""
    now = timezone.now()
    with transaction.atomic():
        segment = Segment.objects.select_for_update().get(pk=segment_id)
        Segment.objects.filter(pk=segment_id).update(evaluation=Segment.Evaluation.RUNNING, evaluation_progress=0.1)
        if segment.status == Segment.Status.ACTIVE:
            target = set(
                matching_profiles(segment.rule, now=now, segment_sql=membership_q, consent_sql=consent_q).values_list(
                    "pk", flat=True
                )
            )
        else:
            target = set()
        current = set(Membership.objects.filter(segment_id=segment_id).values_list("profile_id", flat=True))
        diffs = [
            MembershipDiff(segment_id, segment.version, pid, True, cause, None) for pid in sorted(target - current)
        ]
        diffs += [
            MembershipDiff(segment_id, segment.version, pid, False, cause, None) for pid in sorted(current - target)
        ]
        write_diffs(diffs, now)
        Segment.objects.filter(pk=segment_id).update(
            evaluation=Segment.Evaluation.DONE, evaluation_progress=1.0, evaluated_at=now, member_count=len(target)
        )
    return len(diffs)
