"""Keeps segment membership current and explained.

* Full evaluation (SQL target): when a segment is created or its rule edited; the diff against
  current membership is written with ledger rows (cause `rule_edit`).
* Incremental evaluation (predicate target): right after every event batch commits (recorded in
  its transaction: segments.pending), only the segments whose rules depend on what changed, only
  for the profiles the batch touched, in dependency order (a segment that references another is
  evaluated after it). Ledger cause `event` (with the profile's latest event) or `merge`.

Membership changes are broadcast to Channels groups after commit (cdp.realtime).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

import orjson
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from cdp.realtime import FEED_GROUP, broadcast_many, group_for_segment
from consent.selectors import granted_profiles_q
from profiles.hooks import AppliedBatch
from profiles.models import Profile
from profiles.services import profiles_lock
from segments import pg
from segments.models import Membership, MembershipChange, Segment
from segments.rules import parse
from segments.rules.crossings import crossing_profiles
from segments.rules.dependencies import Dependencies, dependencies, referenced_segments, trait_date_paths
from segments.rules.state import ProfileState, event_needs, states_for_profiles
from segments.rules.to_predicate import Predicate, compile_predicate
from segments.rules.to_sql import matching_profiles
from segments.rules.tree import EventCondition, Rule, walk

log = logging.getLogger(__name__)


# --- Resolvers: how rules see other segments and consent ----------------------------------------


def membership_q(segment_id: int) -> Q:
    return Q(pk__in=Membership.objects.filter(segment_id=segment_id).values("profile_id"))


def consent_q(purpose: str) -> Q:
    """Has granted `purpose` (and, for a marketing purpose, does not object): consent.selectors
    defines it once for both targets."""
    return granted_profiles_q(purpose)


def consent_granted(state: ProfileState, purpose: str) -> bool:
    """The same meaning over a loaded state (ProfileState.consents, see consent.selectors)."""
    if state.consents is None:
        raise LookupError(f"consent was not loaded for profile {state.profile_id}")
    return state.consents.get(purpose, False)


def memberships_of(profile_ids: set[int]) -> set[tuple[int, int]]:
    """(segment id, profile id) for the current memberships of these profiles."""
    if connection.vendor == "postgresql":
        return pg.memberships_of(sorted(profile_ids))
    return set(Membership.objects.filter(profile_id__in=profile_ids).values_list("segment_id", "profile_id"))


# --- Compiled segments ---------------------------------------------------------------------------


# The (segment id, profile id) memberships of the evaluation in progress, as its segment
# conditions read them: cached predicates are compiled once per segment version, not per batch.
_working_membership: ContextVar[set[tuple[int, int]]] = ContextVar("working_membership")


def _member_of_working_set(state: ProfileState, segment_id: int) -> bool:
    return (segment_id, state.profile_id) in _working_membership.get()


@dataclass(frozen=True)
class ParsedRule:
    """A segment's rule parsed once per version, with what the engine reads from it."""

    rule: Rule
    depends_on: Dependencies
    references: set[int]  # segments the rule names
    event_conditions: list[EventCondition]
    reacts_to: frozenset[str]  # the change keys that can move its membership (_reacts_to)
    predicate: Predicate  # segment conditions read _working_membership


@dataclass
class CompiledSegment:
    id: int
    version: int
    parsed: ParsedRule


_compiled: dict[tuple[int, int, bytes], ParsedRule] = {}


def _compiled_rule(segment: Segment) -> ParsedRule:
    """A segment's parsed rule and what the engine reads from it; cached per version. Keyed by the
    rule's content too: ids can be reused (SQLite reuses the highest id of a deleted row), and a
    stale compiled rule would silently decide membership."""
    key = (segment.pk, segment.version, orjson.dumps(segment.rule, option=orjson.OPT_SORT_KEYS))
    cached = _compiled.get(key)
    if cached is None:
        rule = parse(segment.rule)
        depends_on = dependencies(rule)
        cached = ParsedRule(
            rule=rule,
            depends_on=depends_on,
            references=referenced_segments(rule),
            event_conditions=[node for node in walk(rule) if isinstance(node, EventCondition)],
            reacts_to=_reacts_to(depends_on),
            predicate=compile_predicate(rule, segment_member=_member_of_working_set, consent_granted=consent_granted),
        )
        if len(_compiled) > 1000:
            _compiled.clear()
        _compiled[key] = cached
    return cached


def warm_up() -> int:
    """Compile the active segments' rules in a new worker process, before it takes its first batch
    (cdp.celery): the first batches after a (re)start otherwise wait for all 50 rules of the bench
    to be parsed and compiled (~70 ms). Returns how many were compiled. Only a head start: when it
    fails (a database not ready yet, a worker started before `migrate`), the worker starts all the
    same and its first batch compiles them."""
    try:
        segments = list(Segment.objects.filter(status=Segment.Status.ACTIVE))
        for segment in segments:
            _compiled_rule(segment)
    except Exception:
        log.warning("segment rules not compiled ahead of the first batch", exc_info=True)
        return 0
    return len(segments)


def _compile(segment: Segment) -> CompiledSegment:
    """A segment's predicate, compiled once per version (cached). Its segment conditions read the
    working membership of the evaluation in progress (_working_membership)."""
    parsed = _compiled_rule(segment)
    return CompiledSegment(segment.pk, segment.version, parsed)


def in_dependency_order(segments: list[CompiledSegment]) -> list[CompiledSegment]:
    """Referenced segments first (rules are acyclic: cycles are refused when saving)."""
    by_id = {s.id: s for s in segments}
    ordered: list[CompiledSegment] = []
    done: set[int] = set()

    def visit(segment: CompiledSegment) -> None:
        if segment.id in done:
            return
        done.add(segment.id)
        for ref in sorted(segment.parsed.references):
            if ref in by_id:
                visit(by_id[ref])
        ordered.append(segment)

    for segment in sorted(segments, key=lambda s: s.id):
        visit(segment)
    return ordered


def _reacts_to(deps: Dependencies) -> frozenset[str]:
    """The change keys (as the pipeline names them) that can move a segment's membership."""
    return frozenset(
        [f"trait:{key}" for key in deps.traits]
        + [f"event:{name}" for name in deps.events]
        + [f"metric:{column}" for column in deps.metric_columns]
        + [f"consent:{purpose}" for purpose in deps.consents]
        + (["metrics"] if deps.metrics else [])
        + (["time"] if deps.time else [])
        + ["merge", "new"]  # a merged or new profile is looked at by every segment
    )


def _change_keys(changed: frozenset[str]) -> frozenset[str]:
    """A profile's change keys with trait paths cut to their top-level key ("trait:address.city"
    → "trait:address"), as dependencies name them."""
    if not any(item.startswith("trait:") and "." in item for item in changed):
        return changed
    return frozenset(item.split(".", 1)[0] if item.startswith("trait:") else item for item in changed)


def _affected(segment: CompiledSegment, changed: frozenset[str], segments_changed: set[int]) -> bool:
    """Whether a profile's `changed` inputs (see _change_keys) can change its membership of
    `segment`. Time passing alone is the time sweep's ("time" in changed), not every event's."""
    parsed = segment.parsed
    return not parsed.reacts_to.isdisjoint(changed) or not parsed.depends_on.segments.isdisjoint(segments_changed)


# --- Incremental ---------------------------------------------------------------------------------


@dataclass
class MembershipDiff:
    segment_id: int
    version: int
    profile_id: int
    entered: bool
    cause: str
    event_id: int | None


def profiles_applied(batch: AppliedBatch) -> int:
    """Re-evaluate what the batch may have changed (segments.pending calls this for event batches
    after their commit). Returns the number of changes."""
    return _reevaluate(
        batch.changes,
        merged_away=batch.merged_away,
        last_event=batch.last_event,
        now=batch.now,
        cause=batch.cause,
        profiles=batch.profiles,
    )


def profiles_reevaluate(
    profile_ids: Iterable[int], *, changed: frozenset[str], cause: str, now: datetime | None = None
) -> int:
    """Re-evaluate the segments that depend on `changed` (e.g. {"consent:email_marketing"}) for
    these profiles after their inputs changed outside the event pipeline (consent, time passing,
    erasure...). Call inside a transaction: the profiles are locked in id order (as the pipeline
    locks them, so the two never decide the same membership at once), the diffs and ledger rows
    (with `cause`) are written, and broadcast after commit. Returns the number of changes."""
    locked = profiles_lock(profile_ids, live_only=True)
    if not locked:
        return 0
    return _reevaluate(dict.fromkeys(locked, changed), now=now or timezone.now(), cause=cause)


def _reevaluate(
    changes: dict[int, frozenset[str]],
    *,
    now: datetime,
    merged_away: dict[int, int] | None = None,
    last_event: dict[int, int] | None = None,
    cause: str | None = None,
    profiles: dict[int, Profile] | None = None,
) -> int:
    """Evaluate the affected active segments for the changed profiles, in dependency order, and
    write the differences. `cause` None: an event (or a merge when "merge" changed). `profiles`:
    the changed profiles as the caller just wrote them (else they are read)."""
    merged_away = merged_away or {}
    last_event = last_event or {}
    if not (changes or merged_away):
        return 0
    lock_membership()
    active = Segment.objects.filter(status=Segment.Status.ACTIVE)
    _lock_segments(list(active.values_list("pk", flat=True)), shared=True)
    segments = list(active)  # read after the locks: a full evaluation that just committed is seen
    if not segments:
        return 0
    profile_ids = set(changes)
    membership = memberships_of(profile_ids | set(merged_away))
    compiled = in_dependency_order([_compile(s) for s in segments])
    position = {segment.id: index for index, segment in enumerate(compiled)}
    changes = {pid: _change_keys(changed) for pid, changed in changes.items()}
    if profiles is not None and profile_ids <= profiles.keys():
        loaded = {pk: profiles[pk] for pk in profile_ids}
    else:
        loaded = {p.pk: p for p in Profile.objects.filter(pk__in=profile_ids)} if profile_ids else {}
    # Per distinct set of changes (a batch has few), the segments that may move (_candidates).
    candidates_for = {changed: _candidates(compiled, changed) for changed in set(changes.values())}
    states = _states(candidates_for, changes, loaded, now)
    diffs: list[MembershipDiff] = []
    token = _working_membership.set(membership)
    try:
        for profile_id, changed in changes.items():
            candidates = candidates_for[changed]
            state = states[profile_id]
            moved: set[int] = set()  # segments this profile entered or left so far (cascades)
            for segment in candidates:  # in dependency order: referenced segments first
                if not _affected(segment, changed, moved):
                    continue
                member = segment.parsed.predicate(state, now)
                if member == ((segment.id, profile_id) in membership):
                    continue
                reason = cause or (MembershipChange.Cause.MERGE if "merge" in changed else MembershipChange.Cause.EVENT)
                event_id = last_event.get(profile_id) if reason == MembershipChange.Cause.EVENT else None
                diffs.append(MembershipDiff(segment.id, segment.version, profile_id, member, reason, event_id))
                moved.add(segment.id)
                (membership.add if member else membership.discard)((segment.id, profile_id))
    finally:
        _working_membership.reset(token)
    diffs.sort(key=lambda d: position[d.segment_id])  # segment by segment (stable: profiles in order)
    versions = {s.id: s.version for s in compiled}
    for merged_id in merged_away:  # a merged profile leaves every segment
        for segment_id, profile_id in list(membership):
            if profile_id == merged_id:
                diffs.append(MembershipDiff(segment_id, versions.get(segment_id, 0), merged_id, False, "merge", None))
                membership.discard((segment_id, profile_id))
    write_diffs(diffs, now)
    return len(diffs)


def _candidates(compiled: list[CompiledSegment], changed: frozenset[str]) -> list[CompiledSegment]:
    """The segments (in dependency order) that a profile with these changes may enter or leave:
    those reacting to one of the changes, and those naming a segment that may (a cascade)."""
    ids: set[int] = set()
    candidates = []
    for segment in compiled:
        if _affected(segment, changed, ids):
            ids.add(segment.id)
            candidates.append(segment)
    return candidates


def _states(
    candidates_for: dict[frozenset[str], list[CompiledSegment]],
    changes: dict[int, frozenset[str]],
    profiles: dict[int, Profile],
    now: datetime,
) -> dict[int, ProfileState]:
    """The changed profiles' states with only the events that their candidate segments count
    (event_needs): a page view does not load anybody's order history unless a segment it can move
    reads it."""
    needs_for = {
        changed: event_needs([node for s in candidates for node in s.parsed.event_conditions], now)
        for changed, candidates in candidates_for.items()
    }
    consents = any(s.parsed.depends_on.consents for candidates in candidates_for.values() for s in candidates)
    needs_of = {profile_id: needs_for[changed] for profile_id, changed in changes.items()}
    loaded = [profiles[pk] for pk in needs_of if pk in profiles]
    return states_for_profiles(loaded, needs_of=needs_of, consents=consents)


# Namespace of the PostgreSQL advisory locks (namespace, segment id) that keep a full evaluation
# and incremental ones of the same segment apart: incremental evaluations take them shared (they
# run side by side), a full evaluation exclusive, so it never overwrites what a batch that
# committed during its scan decided, nor the reverse.
SEGMENT_LOCK_NAMESPACE = 0x5E0A3


def _lock_segments(segment_ids: list[int], *, shared: bool) -> None:
    if connection.vendor != "postgresql" or not segment_ids:
        return
    statement = (
        "SELECT count(pg_advisory_xact_lock_shared(%s, id)) FROM unnest(%s::int[]) AS id"
        if shared
        else "SELECT count(pg_advisory_xact_lock(%s, id)) FROM unnest(%s::int[]) AS id"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [SEGMENT_LOCK_NAMESPACE, sorted(segment_ids)])


# Key of the PostgreSQL advisory lock held by whoever reads memberships to change them
# incrementally (event batches' evaluations, the time sweep, consent changes, erasure): one at a
# time, so two of them never decide the same profile's membership from the same reading. Full
# evaluations exclude incremental ones per segment instead (SEGMENT_LOCK_NAMESPACE).
MEMBERSHIP_LOCK_KEY = 0x5E0A4


def lock_membership(*, wait: bool = True) -> bool:
    """Take the membership lock for the current transaction (taken again: a no-op). `wait=False`
    returns False at once when another transaction holds it. SQLite serialises writers itself."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [MEMBERSHIP_LOCK_KEY])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [MEMBERSHIP_LOCK_KEY])
        return cursor.fetchone()[0]


# --- Time passing --------------------------------------------------------------------------------

# Key of the PostgreSQL advisory lock that lets one worker at a time sweep time-relative rules.
TIME_SWEEP_LOCK_KEY = 0x5E0A2


def _sweep_lock() -> bool:
    """One sweeper at a time (PostgreSQL); SQLite serialises writers by itself."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [TIME_SWEEP_LOCK_KEY])
        return cursor.fetchone()[0]


def time_sweep(*, now: datetime | None = None) -> int:
    """Flip the memberships that time alone has changed since the last sweep (cause `time`).

    Each active segment with time-relative conditions remembers up to when it has been swept
    (`time_swept_at`; a full evaluation sets it to the moment it evaluated at). The profiles that
    may have crossed one of its conditions' moments since then are found with range queries
    (segments.rules.crossings) and re-evaluated exactly; nobody else is looked at. Run every
    SEGMENT_TIME_SWEEP_SECONDS by beat (and by the embedded worker). Returns the changes written."""
    now = now or timezone.now()
    with transaction.atomic():
        if not _sweep_lock():
            return 0
        swept: list[tuple[int, datetime]] = []
        candidates: set[int] = set()
        for segment in Segment.objects.filter(status=Segment.Status.ACTIVE, time_swept_at__isnull=False):
            parsed = _compiled_rule(segment)
            if not parsed.depends_on.time or segment.time_swept_at >= now:
                continue
            candidates |= crossing_profiles(parsed.rule, segment.time_swept_at, now)
            swept.append((segment.pk, segment.time_swept_at))
        changes = profiles_reevaluate(
            candidates, changed=frozenset({"time"}), cause=MembershipChange.Cause.TIME, now=now
        )
        for segment_id, since in swept:
            # Compare-and-set: a full evaluation that committed meanwhile has set its own moment.
            Segment.objects.filter(pk=segment_id, time_swept_at=since).update(time_swept_at=now)
    return changes


def write_diffs(diffs: list[MembershipDiff], now: datetime) -> None:
    """Apply membership changes, append them to the ledger, keep counts, broadcast after commit."""
    if not diffs:
        return
    entering = [(d.segment_id, d.profile_id) for d in diffs if d.entered]
    leaving = [(d.segment_id, d.profile_id) for d in diffs if not d.entered]
    ledger = [(d.segment_id, d.profile_id, d.entered, d.cause, d.event_id, d.version) for d in diffs]
    if connection.vendor == "postgresql":
        pg.memberships_insert(entering, now)
        pg.memberships_delete(leaving)
        pg.changes_insert(ledger, now)
    else:
        Membership.objects.bulk_create([Membership(segment_id=s, profile_id=p, since=now) for s, p in entering])
        for segment_id in {s for s, _ in leaving}:
            Membership.objects.filter(
                segment_id=segment_id, profile_id__in=[p for s, p in leaving if s == segment_id]
            )._raw_delete(Membership.objects.db)
        MembershipChange.objects.bulk_create(
            [
                MembershipChange(segment_id=s, profile_id=p, entered=e, at=now, cause=c, event_id=ev, version=v)
                for s, p, e, c, ev, v in ledger
            ]
        )
    deltas: dict[int, int] = {}
    for d in diffs:
        deltas[d.segment_id] = deltas.get(d.segment_id, 0) + (1 if d.entered else -1)
    if connection.vendor == "postgresql":
        pg.member_counts_add(deltas)
    else:
        for segment_id, delta in sorted(deltas.items()):  # in id order: concurrent batches never deadlock
            if delta:
                Segment.objects.filter(pk=segment_id).update(member_count=F("member_count") + delta)
    at = now.isoformat()
    messages = [_message(d, at) for d in diffs]
    transaction.on_commit(lambda: _broadcast(messages))


def _message(diff: MembershipDiff, at: str) -> dict:
    return {
        "type": "segment.membership",
        "segment_id": diff.segment_id,
        "profile_id": diff.profile_id,
        "change": "entered" if diff.entered else "exited",
        "cause": diff.cause,
        "event_id": diff.event_id,
        "at": at,
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


# Above this many changes of one segment in one transaction (a full evaluation of a large
# segment), websocket clients get one summary for that segment and cause instead of a message per
# person; an event batch's few changes per segment go out one by one.
LIVE_CHANGES_LIMIT = 500


def _live_messages(messages: list[dict]) -> dict[int, list[dict]]:
    """Per segment id, what goes out live: its changes, or a summary per cause for a large set."""
    per_segment: dict[int, list[dict]] = {}
    for message in messages:
        per_segment.setdefault(message["segment_id"], []).append(message)
    for segment_id, changes in per_segment.items():
        if len(changes) <= LIVE_CHANGES_LIMIT:
            continue
        summaries: dict[str, dict] = {}
        for message in changes:
            summary = summaries.setdefault(
                message["cause"],
                {
                    "type": "segment.changes",
                    "segment_id": segment_id,
                    "cause": message["cause"],
                    "entered": 0,
                    "exited": 0,
                    "at": message["at"],
                },
            )
            summary[message["change"]] += 1
        per_segment[segment_id] = list(summaries.values())
    return per_segment


# At most this many membership messages travel in one channel-layer message (a `segment.batch`).
BROADCAST_CHUNK = 500


def _batches(messages: list[dict]) -> list[dict]:
    return [
        {"type": "segment.batch", "messages": messages[i : i + BROADCAST_CHUNK]}
        for i in range(0, len(messages), BROADCAST_CHUNK)
    ]


def _broadcast(messages: list[dict]) -> None:
    """After commit: websockets (Channels groups), then the activation hook. A failure here never
    undoes a committed change; it is logged.

    One transaction's changes reach each group as a few `segment.batch` messages (one per segment
    group, chunks of BROADCAST_CHUNK for the feed), not one channel-layer message per change: a
    group send costs several Redis round trips, and a busy batch changes hundreds of memberships.
    Consumers unpack them into the same per-change websocket frames."""
    try:
        per_segment = _live_messages(messages)
        live = [message for changes in per_segment.values() for message in changes]
        sends = [(group_for_segment(sid), batch) for sid, changes in per_segment.items() for batch in _batches(changes)]
        broadcast_many(sends + [(FEED_GROUP, batch) for batch in _batches(live)])
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
    # Seen by others at once (outside the evaluation's transaction): the segment is being evaluated.
    Segment.objects.filter(pk=segment_id).update(evaluation=Segment.Evaluation.RUNNING, evaluation_progress=0.1)
    try:
        _index_trait_dates(segment_id)
        return _evaluate_fully(segment_id, cause)
    except Exception:
        if not connection.in_atomic_block:  # (inside a caller's failed transaction, it rolls back)
            Segment.objects.filter(pk=segment_id).update(evaluation=Segment.Evaluation.FAILED)
        raise


def _index_trait_dates(segment_id: int) -> None:
    """PostgreSQL: index the dates of the traits the segment's rule compares as date-times
    (segments.pg.index_trait_dates), before it is first evaluated. Only speed: a failure is
    logged, never a failed evaluation."""
    if connection.vendor != "postgresql":
        return
    segment = Segment.objects.get(pk=segment_id)
    paths = trait_date_paths(_compiled_rule(segment).rule) if segment.status == Segment.Status.ACTIVE else set()
    if not paths:
        return
    try:
        if connection.in_atomic_block:
            with transaction.atomic():  # a savepoint: a failure rolls back only this
                pg.index_trait_dates(paths, concurrently=False)
        else:  # the evaluation task: built CONCURRENTLY, event batches go on writing meanwhile
            pg.index_trait_dates(paths, concurrently=True)
    except DatabaseError:
        log.exception("indexing the trait dates of segment %s failed", segment_id)


def _evaluate_fully(segment_id: int, cause: str) -> int:
    with transaction.atomic():
        _lock_segments([segment_id], shared=False)
        now = timezone.now()
        segment = Segment.objects.select_for_update().get(pk=segment_id)
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
            evaluation=Segment.Evaluation.DONE,
            evaluation_progress=1.0,
            evaluated_at=now,
            time_swept_at=now,
            member_count=len(target),
        )
    return len(diffs)
