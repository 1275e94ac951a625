"""Apply stored events to profiles, a batch at a time, in one transaction per batch.

1. Claim unprocessed events (SKIP LOCKED on PostgreSQL; SQLite serialises writers).
2. Load every identity the batch mentions with one query per identifier kind; lock the profiles
   they point at in id order (no deadlocks between workers).
3. Resolve each event (in event-time order) to a person: create, reuse or merge profiles; never
   merge two different user ids (record an IdentityConflict instead).
4. Apply the events in memory: traits (last write wins per key by event time), metrics, daily
   rollups.
5. Write everything back in bulk and mark the events processed, in the same transaction: a killed
   worker leaves its events unprocessed for the next one, and nothing is applied twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from consent.ingest import consent_from_batch
from ingestion.constants import PROCESS_BATCH_SIZE
from ingestion.models import Event, event_known_as
from privacy.suppression import events_drop_suppressed
from profiles import hooks
from profiles.bulk import update_by_pk
from profiles.constants import SESSION_TIMEOUT, IdentityKind, MergeReason
from profiles.models import Identity, IdentityConflict, Profile, ProfileEventDay, ProfileMerge, TraitChange
from profiles.rollups import rebuild_event_days, upsert_event_days
from profiles.settings import ProfileConfig, profile_config

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
METRIC_FIELDS = [
    "traits",
    "trait_timestamps",
    "first_seen",
    "last_seen",
    "events_count",
    "sessions_count",
    "page_views_count",
    "orders_count",
    "revenue_total",
    "first_order_at",
    "last_order_at",
    "updated_at",
]
METRIC_ONLY_FIELDS = [f for f in METRIC_FIELDS if f not in ("traits", "trait_timestamps")]
# The metric columns whose changes are reported one by one ("metric:<column>") to subscribers.
CHANGE_TRACKED_METRICS = tuple(f for f in METRIC_FIELDS if f not in ("traits", "trait_timestamps", "updated_at"))


class _Retry(Exception):
    """Another worker changed a profile this batch depends on: roll back and start again."""


def metric_values(profile: Profile) -> tuple:
    return tuple(getattr(profile, column) for column in CHANGE_TRACKED_METRICS)


class _Person:
    """A profile while a batch is being applied (new profiles have no pk yet)."""

    __slots__ = (
        "existing",
        "full_recompute",
        "merged_into",
        "metrics_before",
        "profile",
        "session_recompute",
        "touched",
        "traits_dirty",
        "user_id",
    )

    def __init__(self, profile: Profile, user_id: str | None, existing: bool):
        self.profile = profile
        self.user_id = user_id
        self.merged_into: _Person | None = None
        self.existing = existing
        self.full_recompute = False
        self.session_recompute = False
        # What changed: "trait:<key>", "event:<name>", "metric:<column>", or "metrics" (any metric).
        self.touched: set[str] = set()
        self.traits_dirty = False  # traits or their timestamps changed: written back
        self.metrics_before = metric_values(profile) if existing else None

    def metrics_changed(self) -> set[str]:
        """ "metric:<column>" for each metric column that differs from when the profile was loaded."""
        now = metric_values(self.profile)
        if self.metrics_before is None:
            return {f"metric:{column}" for column in CHANGE_TRACKED_METRICS}
        return {
            f"metric:{c}" for c, a, b in zip(CHANGE_TRACKED_METRICS, self.metrics_before, now, strict=True) if a != b
        }

    def live(self) -> _Person:
        person = self
        while person.merged_into is not None:
            person = person.merged_into
        return person


@dataclass
class BatchResult:
    processed: int = 0
    profiles: set[int] = field(default_factory=set)
    merges: int = 0
    conflicts: int = 0


def events_process_pending(*, batch_size: int = PROCESS_BATCH_SIZE, max_batches: int | None = None) -> int:
    """Process batches until no unprocessed event is left (or `max_batches`). Returns the count."""
    total = 0
    batches = 0
    while max_batches is None or batches < max_batches:
        result = events_process_batch(batch_size=batch_size)
        total += result.processed
        batches += 1
        if result.processed == 0:
            break
    return total


def events_process_batch(*, batch_size: int = PROCESS_BATCH_SIZE) -> BatchResult:
    """Apply one batch of events to profiles (one transaction), then let the subscribers finish
    what the batch recorded for after its commit (the segment engine's evaluation: outside the
    identity lock, so another worker applies the next batch meanwhile)."""
    result = _apply_batch(batch_size)
    hooks.batches_committed()
    return result


def _apply_batch(batch_size: int) -> BatchResult:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _process_batch(batch_size)
        except (_Retry, IntegrityError) as exc:
            log.info("event batch raced with another worker (%s); retrying (%d)", type(exc).__name__, attempt)
        except OperationalError as exc:
            if "deadlock" not in str(exc).lower() or attempt == MAX_ATTEMPTS:
                raise
            log.info("event batch deadlocked; retrying (%d)", attempt)
    raise RuntimeError("event batch could not be applied after several attempts")


CLAIMED_FIELDS = (
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
    "timestamp",
)


def _claim(batch_size: int) -> list[Event]:
    """The oldest unprocessed events not claimed by another worker (SKIP LOCKED)."""
    # Only what processing reads: `context` can be large (SDK library, user agent, …) and only its
    # `traits` matter here.
    queryset = (
        Event.objects.filter(processed_at__isnull=True)
        .order_by("id")
        .only(*CLAIMED_FIELDS)
        .annotate(context_traits=KeyTransform("traits", "context"), context_consent=KeyTransform("consent", "context"))
    )
    if not connection.features.has_select_for_update_skip_locked:
        return list(queryset[:batch_size])  # SQLite: the IMMEDIATE transaction serialises workers
    queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    with connection.cursor() as cursor:
        # Walk the partial index in id order even when statistics are stale after a burst (the
        # planner then misjudges the backlog as tiny and sorts all of it: 100x slower).
        cursor.execute("SET LOCAL enable_sort = off; SET LOCAL enable_bitmapscan = off")
        claimed = list(queryset[:batch_size])
        cursor.execute("SET LOCAL enable_sort = on; SET LOCAL enable_bitmapscan = on")
    return claimed


def identifiers_of(event: Event, config: ProfileConfig) -> list[tuple[str, str]]:
    """The identifiers an event carries, strongest first."""
    found: list[tuple[str, str]] = []
    if event.user_id:
        found.append((IdentityKind.USER_ID, event.user_id))
    traits = {**_context_traits(event), **event.traits}
    email = traits.get("email")
    if isinstance(email, str) and "@" in email:
        found.append((IdentityKind.EMAIL, email.strip().lower()))
    for key in config.identifier_traits:
        value = traits.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            found.append((key, str(value).strip()))
    if event.anonymous_id:
        found.append((IdentityKind.ANONYMOUS_ID, event.anonymous_id))
    return found


class _Batch:
    def __init__(self, events: list[Event], config: ProfileConfig):
        self.events = events
        self.config = config
        self.now = timezone.now()
        self.identity_map: dict[tuple[str, str], _Person] = {}
        self.persons: list[_Person] = []
        self.new_identities: dict[tuple[str, str], _Person] = {}
        self.identity_first_seen: dict[tuple[str, str], datetime] = {}
        self.event_person: list[tuple[Event, _Person]] = []
        self.trait_changes: list[tuple[_Person, TraitChange]] = []
        self.event_days: dict[tuple[int, str, object], list] = {}
        self.merges: list[tuple[_Person, _Person, str, Event, list]] = []
        self.conflicts: list[tuple[_Person, _Person, str, str, Event]] = []

    # --- loading -------------------------------------------------------------------------------

    def load(self, identifiers_per_event: list[list[tuple[str, str]]]) -> None:
        wanted: dict[str, set[str]] = defaultdict(set)
        for identifiers in identifiers_per_event:
            for kind, value in identifiers:
                wanted[kind].add(value)
        for event in self.events:
            if event.type == "alias" and event.previous_id:
                wanted[IdentityKind.USER_ID].add(event.previous_id)
                wanted[IdentityKind.ANONYMOUS_ID].add(event.previous_id)
        rows: list[tuple[str, str, int]] = []
        for kind, values in wanted.items():
            rows.extend(Identity.objects.filter(kind=kind, value__in=values).values_list("kind", "value", "profile_id"))
        profile_ids = sorted({pid for _, _, pid in rows})
        profiles = {p.pk: p for p in Profile.objects.select_for_update().filter(pk__in=profile_ids).order_by("pk")}
        if len(profiles) != len(profile_ids) or any(p.merged_into_id for p in profiles.values()):
            raise _Retry("a profile was merged or removed meanwhile")
        user_ids = dict(
            Identity.objects.filter(profile_id__in=profile_ids, kind=IdentityKind.USER_ID).values_list(
                "profile_id", "value"
            )
        )
        by_pk = {pk: _Person(profile, user_ids.get(pk), existing=True) for pk, profile in profiles.items()}
        self.persons.extend(by_pk.values())
        for kind, value, pid in rows:
            self.identity_map[(kind, value)] = by_pk[pid]

    # --- resolution ----------------------------------------------------------------------------

    def _new_person(self) -> _Person:
        person = _Person(Profile(traits={}, trait_timestamps={}), None, existing=False)
        self.persons.append(person)
        return person

    def resolve(self, event: Event, identifiers: list[tuple[str, str]]) -> _Person:
        lookups = list(identifiers)
        if event.type == "alias" and event.previous_id:
            lookups += [(IdentityKind.USER_ID, event.previous_id), (IdentityKind.ANONYMOUS_ID, event.previous_id)]
        found: list[_Person] = []
        for key in lookups:
            person = self.identity_map.get(key)
            if person is not None:
                person = person.live()
                if person not in found:
                    found.append(person)
        uid = event.user_id
        if uid:
            owner = self.identity_map.get((IdentityKind.USER_ID, uid))
            if owner is not None:
                target = owner.live()
            else:
                anonymous = [p for p in found if p.user_id is None]
                target = anonymous[0] if anonymous else self._new_person()
                target.user_id = uid
        else:
            with_user = [p for p in found if p.user_id]
            target = with_user[0] if with_user else (found[0] if found else self._new_person())

        reason = MergeReason.ALIAS if event.type == "alias" else MergeReason.EVENT
        for other in found:
            other = other.live()
            target = target.live()
            if other is target:
                continue
            if other.user_id and target.user_id and other.user_id != target.user_id:
                link = next(
                    (k for k in lookups if self.identity_map.get(k) and self.identity_map[k].live() is other), None
                )
                self.conflicts.append((target, other, *(link or ("unknown", "")), event))
                continue
            target = self._merge(target, other, reason, event)

        target = target.live()
        for key in lookups if event.type != "alias" else [*identifiers, (IdentityKind.ANONYMOUS_ID, event.previous_id)]:
            if key not in self.identity_map:
                if key[0] == IdentityKind.USER_ID and target.user_id not in (None, key[1]):
                    continue  # never a second user id on one profile
                self.identity_map[key] = target
                self.new_identities[key] = target
                self.identity_first_seen[key] = event.timestamp
        return target

    def _merge(self, a: _Person, b: _Person, reason: str, event: Event) -> _Person:
        """Merge two live persons; returns the survivor (the one with a user id, else the oldest)."""

        def rank(p: _Person):
            return (0 if p.user_id else 1, 0 if p.existing else 1, p.profile.pk or 0)

        survivor, loser = (a, b) if rank(a) <= rank(b) else (b, a)
        loser.merged_into = survivor
        survivor.user_id = survivor.user_id or loser.user_id
        moved = [f"{k}={v}" for (k, v), p in self.identity_map.items() if p is loser]
        for key, person in list(self.identity_map.items()):
            if person is loser:
                self.identity_map[key] = survivor
        for key, person in list(self.new_identities.items()):
            if person is loser:
                self.new_identities[key] = survivor
        _merge_traits(survivor.profile, loser.profile)
        survivor.traits_dirty = True
        survivor.full_recompute = True
        survivor.touched |= loser.touched | {"metrics", "merge"}
        self.merges.append((survivor, loser, reason, event, moved))
        return survivor

    # --- application ---------------------------------------------------------------------------

    def apply(self, event: Event, person: _Person) -> None:
        profile = person.profile
        ts = event.timestamp
        profile.events_count += 1
        if profile.first_seen is None or ts < profile.first_seen:
            profile.first_seen = ts
        if profile.last_seen is None:
            profile.sessions_count += 1
            profile.last_seen = ts
        elif ts >= profile.last_seen:
            if ts - profile.last_seen > SESSION_TIMEOUT:
                profile.sessions_count += 1
            profile.last_seen = ts
        else:
            person.session_recompute = True  # arrived out of order: recount from the event store
        if event.type == "page":
            profile.page_views_count += 1
        traits = _traits_of(event)
        if traits:
            self._apply_traits(person, traits, event)

        rollup_name = event_known_as(event.type, event.name)  # "" is not counted
        revenue = Decimal(0)
        if event.type == "track" and event.name in self.config.purchase_events:
            revenue = revenue_of(event.properties)
            profile.orders_count += 1
            profile.revenue_total += revenue
            if profile.first_order_at is None or ts < profile.first_order_at:
                profile.first_order_at = ts
            if profile.last_order_at is None or ts > profile.last_order_at:
                profile.last_order_at = ts
        if rollup_name:
            person.touched.add(f"event:{rollup_name}")
            self.event_person_day(person, rollup_name, ts, revenue)

    def event_person_day(self, person: _Person, name: str, ts: datetime, revenue: Decimal) -> None:
        key = (id(person), name, ts.date())
        entry = self.event_days.get(key)
        if entry is None:
            self.event_days[key] = [person, name, ts.date(), 1, revenue]
        else:
            entry[3] += 1
            entry[4] += revenue

    def _apply_traits(self, person: _Person, traits: dict, event: Event) -> None:
        profile = person.profile
        stamp = trait_stamp(event)
        for key, value in traits.items():
            previous_stamp = profile.trait_timestamps.get(key)
            if previous_stamp is not None and previous_stamp > stamp:
                continue  # a newer value is already there (out-of-order arrival)
            old = profile.traits.get(key)
            profile.trait_timestamps[key] = stamp
            person.traits_dirty = True
            if key in profile.traits and old == value:
                continue
            profile.traits[key] = value
            person.touched.add(f"trait:{key}")
            self.trait_changes.append(
                (person, TraitChange(key=key, old_value=old, new_value=value, changed_at=event.timestamp, event=event))
            )

    # --- writing -------------------------------------------------------------------------------

    def write(self) -> BatchResult:
        live = [p for p in self.persons if p.merged_into is None]
        new = [p for p in live if not p.existing]
        for person in new:
            person.profile.updated_at = self.now
        Profile.objects.bulk_create([p.profile for p in new])
        # A person merged away within this batch was never stored: store it as a merged row so
        # that every merge leaves its record, wherever the batch boundaries fall.
        unsaved_losers = [loser for _, loser, *_ in self.merges if not loser.existing]
        for loser in unsaved_losers:
            loser.profile.merged_into = loser.live().profile
            loser.profile.updated_at = self.now
        Profile.objects.bulk_create([loser.profile for loser in unsaved_losers])

        # Merges of stored profiles: re-point what they own to the survivor.
        for survivor, loser, *_ in self.merges:
            target = survivor.live().profile
            if loser.existing:
                Profile.objects.filter(pk=loser.profile.pk).update(merged_into=target, updated_at=self.now)
                Identity.objects.filter(profile_id=loser.profile.pk).update(profile=target)
                Event.objects.filter(profile_id=loser.profile.pk).update(profile=target)
                TraitChange.objects.filter(profile_id=loser.profile.pk).update(profile=target)
                IdentityConflict.objects.filter(profile_id=loser.profile.pk).update(profile=target)
                IdentityConflict.objects.filter(other_profile_id=loser.profile.pk).update(other_profile=target)
                ProfileEventDay.objects.filter(profile_id=loser.profile.pk).delete()  # rebuilt for the survivor
        ProfileMerge.objects.bulk_create(
            [
                ProfileMerge(survivor=s.profile, merged=lo.profile, reason=r, event=e, identities_moved=m)
                for s, lo, r, e, m in self.merges
            ]
        )
        Identity.objects.bulk_create(
            [
                Identity(
                    profile=person.live().profile,
                    kind=kind,
                    value=value,
                    first_seen=self.identity_first_seen[(kind, value)],
                )
                for (kind, value), person in self.new_identities.items()
            ]
        )
        for event, person in self.event_person:
            event.profile = person.live().profile
            event.processed_at = self.now
        update_by_pk(Event, [e for e, _ in self.event_person], ["profile", "processed_at"])

        for person in live:
            if person.session_recompute and not person.full_recompute:
                person.profile.sessions_count = count_sessions(person.profile.pk)
        for person in live:
            if person.full_recompute:
                recompute_metrics(person.profile, self.config)
        existing = [p for p in live if p.existing]
        for person in existing:
            person.profile.updated_at = self.now
        # Traits (JSON) are written back only where they changed: most events only move metrics.
        update_by_pk(Profile, [p.profile for p in existing if p.traits_dirty], METRIC_FIELDS)
        update_by_pk(Profile, [p.profile for p in existing if not p.traits_dirty], METRIC_ONLY_FIELDS)

        TraitChange.objects.bulk_create(
            [_with_profile(change, person.live().profile) for person, change in self.trait_changes]
        )
        upsert_event_days(
            [
                (person.live().profile.pk, name, day, count, revenue)
                for person, name, day, count, revenue in self.event_days.values()
                if not person.live().full_recompute
            ]
        )
        for person in live:
            if person.full_recompute:
                rebuild_event_days(person.profile.pk)

        IdentityConflict.objects.bulk_create(
            [
                IdentityConflict(profile=a.live().profile, other_profile=b.live().profile, kind=k, value=v, event=e)
                for a, b, k, v, e in self.conflicts
            ]
        )
        for person in live:  # which metrics moved (a merge keeps the "metrics" wildcard)
            person.touched |= person.metrics_changed()
            if not person.existing:
                person.touched.add("new")  # was in no segment: every segment may now hold
        changes = {p.profile.pk: frozenset(p.touched) for p in live if p.touched}
        merged_away = {lo.profile.pk: s.live().profile.pk for s, lo, *_ in self.merges if lo.existing}
        last_event = {}
        for event, person in self.event_person:  # event-time order: the last one wins
            last_event[person.live().profile.pk] = event.pk
        # Consent (Segment's conventions; merged profiles' consent; the analytics-denial effect).
        consent_changes = consent_from_batch(
            [(event, person.live().profile.pk) for event, person in self.event_person],
            merged_away=merged_away,
            purchase_events=self.config.purchase_events,
        )
        for pk, inputs in consent_changes.items():
            changes[pk] = changes.get(pk, frozenset()) | inputs
        hooks.profiles_applied(hooks.AppliedBatch(changes, merged_away, last_event, self.now, deferred=True))
        transaction.on_commit(lambda: hooks.profiles_changed(changes, merged_away))
        return BatchResult(
            processed=len(self.event_person),
            profiles=set(changes),
            merges=len(self.merges),
            conflicts=len(self.conflicts),
        )


# Key of the PostgreSQL advisory lock that orders identity resolution between workers.
IDENTITY_LOCK_KEY = 0x5E0A1  # "Shoal"


def _lock_identity_graph() -> None:
    """Workers resolve identities one batch at a time: two batches that both meet a new person
    would otherwise both create a profile for them and one would fail on the unique identity.
    Taken before the batch claims its events (and held until it commits): a worker waiting here
    holds no events hostage, and claims everything that arrived meanwhile once its turn comes
    (claiming first had left each waiting batch's events idle for the other batch's whole run:
    p50 at 1,000 events/s 1.26 s -> 0.25 s, docs/benchmarks.md)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IDENTITY_LOCK_KEY])


def _process_batch(batch_size: int) -> BatchResult:
    _lock_identity_graph()
    events = _claim(batch_size)
    if not events:
        return BatchResult()
    config = profile_config()
    kept = events_drop_suppressed(events, config)  # privacy: events of erased people never reach a profile
    if not kept:
        return BatchResult(processed=len(events))
    events = kept
    events.sort(key=lambda e: (e.timestamp, e.id))
    identifiers = [identifiers_of(e, config) for e in events]
    batch = _Batch(events, config)
    batch.load(identifiers)
    for event, ids in zip(events, identifiers, strict=True):
        person = batch.resolve(event, ids)
        batch.event_person.append((event, person))
    for event, person in batch.event_person:
        batch.apply(event, person.live())
    return batch.write()


# --- helpers shared with merges and imports ---------------------------------------------------


def trait_stamp(event: Event) -> str:
    """Orders trait writes: event time, then messageId (a deterministic tie-break)."""
    return f"{event.timestamp.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%S.%fZ')}|{event.message_id}"


def _traits_of(event: Event) -> dict:
    traits: dict = {}
    traits.update(_context_traits(event))
    if event.type in ("identify", "alias"):
        traits.update(event.traits)
    elif event.type == "group":
        traits["group"] = {"id": event.group_id, **event.traits}
    return traits


def _context_traits(event: Event) -> dict:
    """`context.traits` of an event: annotated by the claim query, else read from `context`."""
    if hasattr(event, "context_traits"):
        value = event.context_traits
    else:
        value = event.context.get("traits") if isinstance(event.context, dict) else None
    return value if isinstance(value, dict) else {}


def _merge_traits(survivor: Profile, loser: Profile) -> None:
    for key, value in loser.traits.items():
        theirs = loser.trait_timestamps.get(key, "")
        if key not in survivor.traits or theirs > survivor.trait_timestamps.get(key, ""):
            survivor.traits[key] = value
            survivor.trait_timestamps[key] = theirs


def _with_profile(change: TraitChange, profile: Profile) -> TraitChange:
    change.profile = profile
    return change


def revenue_of(properties: dict) -> Decimal:
    """Segment e-commerce spec: `revenue`, falling back to `total`. Non-numbers count as 0."""
    for key in ("revenue", "total"):
        value = properties.get(key)
        if value is None or isinstance(value, bool):
            continue
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            continue
        if amount.is_finite():
            return amount.quantize(Decimal("0.0001"))
    return Decimal(0)


def count_sessions(profile_id: int) -> int:
    """Sessions = runs of events with gaps of at most SESSION_TIMEOUT (from the event store)."""
    sessions = 0
    previous = None
    for ts in Event.objects.filter(profile_id=profile_id).order_by("timestamp").values_list("timestamp", flat=True):
        if previous is None or ts - previous > SESSION_TIMEOUT:
            sessions += 1
        previous = ts
    return sessions


def recompute_metrics(profile: Profile, config: ProfileConfig) -> None:
    """Recompute a profile's metrics from its events (after a merge)."""
    profile.events_count = profile.page_views_count = profile.orders_count = 0
    profile.revenue_total = Decimal(0)
    profile.first_seen = profile.last_seen = profile.first_order_at = profile.last_order_at = None
    rows = Event.objects.filter(profile_id=profile.pk).values_list("type", "name", "timestamp", "properties")
    for event_type, name, ts, properties in rows.iterator(chunk_size=2000):
        profile.events_count += 1
        profile.first_seen = ts if profile.first_seen is None else min(profile.first_seen, ts)
        profile.last_seen = ts if profile.last_seen is None else max(profile.last_seen, ts)
        if event_type == "page":
            profile.page_views_count += 1
        if event_type == "track" and name in config.purchase_events:
            profile.orders_count += 1
            profile.revenue_total += revenue_of(properties)
            profile.first_order_at = ts if profile.first_order_at is None else min(profile.first_order_at, ts)
            profile.last_order_at = ts if profile.last_order_at is None else max(profile.last_order_at, ts)
    profile.sessions_count = count_sessions(profile.pk)
