"""One profile's state as the Python target (the incremental path) sees it.

`ProfileState.events` is an EventFacts: anything that can summarize an event condition at a moment.
EventList does it from the raw event records; the incremental engine can substitute materialised
per-condition counters with the same interface without touching the predicate.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import reduce
from typing import Protocol

import orjson
from django.db import connection
from django.db.models import Q

from segments.constants import STORED_METRIC_COLUMNS
from segments.rules.events import (
    EventRecord,
    EventSummary,
    Prepared,
    aggregate_values,
    named_q,
    prepare,
    summarize_records,
    window_bounds,
)
from segments.rules.tree import EventCondition


class EventFacts(Protocol):
    def summarize(self, condition: EventCondition, now: datetime, prepared: Prepared | None = None) -> EventSummary:
        """`prepared`: events.prepare(condition, now), when the caller has it already."""


@dataclass(frozen=True, slots=True)
class EventNeed:
    """Which stored events of one name some set of event conditions can count: those at or after
    `since` (None: the whole history), with their properties when a condition filters on them or
    aggregates one."""

    since: datetime | None
    properties: bool


def event_needs(conditions: Iterable[EventCondition], now: datetime) -> dict[str, EventNeed]:
    """What the incremental engine loads for these conditions at `now`: per event name, the
    oldest event any of them counts and whether properties are read. A profile with ten thousand
    page views and a segment on "viewed a page in the last 7 days" loads a week of page views."""
    needs: dict[str, EventNeed] = {}
    for node in conditions:
        since = window_bounds(node, now)[0]
        properties = bool(node.where) or node.aggregate is not None
        known = needs.get(node.name)
        if known is not None:
            since = None if known.since is None or since is None else min(known.since, since)
            properties = properties or known.properties
        needs[node.name] = EventNeed(since, properties)
    return needs


class EventList:
    """EventFacts over a profile's event records (grouped by name once).

    `needs` (event_needs) says which records were loaded; a condition outside them is refused
    rather than answered from a partial history."""

    def __init__(self, records: Iterable[EventRecord] = (), needs: dict[str, EventNeed] | None = None):
        self.needs = needs
        self.by_name: dict[str, list[EventRecord]] = defaultdict(list)
        for record in records:
            self.by_name[record.name].append(record)
        # (name, property path) → the aggregated values of by_name[name], read once for every
        # condition that aggregates the same property (sum, avg, max… of revenue).
        self._values: dict[tuple[str, tuple[str, ...]], list] = {}

    def summarize(self, condition: EventCondition, now: datetime, prepared: Prepared | None = None) -> EventSummary:
        if prepared is None:
            prepared = prepare(condition, now)
        if self.needs is not None:
            self._check_loaded(condition, prepared.earliest)
        records = self.by_name.get(condition.name, ())
        if condition.aggregate is None or not records:
            return summarize_records(condition, records, now, prepared)
        key = (condition.name, condition.aggregate.path)
        values = self._values.get(key)
        if values is None:
            values = self._values[key] = aggregate_values(records, condition.aggregate.path)
        return summarize_records(condition, records, now, prepared, values)

    def _check_loaded(self, condition: EventCondition, since: datetime | None) -> None:
        need = self.needs.get(condition.name)
        if (
            need is None
            or (need.since is not None and (since is None or since < need.since))
            or (not need.properties and (condition.where or condition.aggregate is not None))
        ):
            raise LookupError(f"{condition.at}: the events of {condition.name!r} this condition counts were not loaded")


@dataclass
class ProfileState:
    """traits: the profile's traits (JSON); metrics: its stored metric columns
    (segments.constants.STORED_METRIC_COLUMNS; derived metrics are computed from them at `now`);
    events: its events. A merged profile (`merged`) is never a member of anything."""

    traits: dict = field(default_factory=dict)
    metrics: dict = field(default_factory=dict)
    events: EventFacts = field(default_factory=EventList)
    profile_id: int | None = None
    merged: bool = False
    # purpose slug → granted (consent.selectors); None: not loaded (no rule evaluated reads it)
    consents: dict[str, bool] | None = field(default_factory=dict)


def metrics_of(profile) -> dict:
    return {column: getattr(profile, column) for column in STORED_METRIC_COLUMNS}


def state_for_profile(profile) -> ProfileState:
    """Load one profile's state from the database (its events in one query)."""
    return states_for_profiles([profile])[profile.pk]


def states_for_profiles(
    profiles: Iterable,
    *,
    needs: dict[str, EventNeed] | None = None,
    needs_of: dict[int, dict[str, EventNeed]] | None = None,
    consents: bool = True,
) -> dict[int, ProfileState]:
    """The states of several profiles, with their events: all of them, or only those that the
    conditions about to be evaluated can count (see event_needs) — the same `needs` for everyone,
    or per profile (`needs_of`; profiles with equal needs are read with one query). Without
    `consents`, consent is not read (ProfileState.consents is None: asking it is an error)."""
    from consent.selectors import granted_purposes

    profiles = list(profiles)
    ids = [p.pk for p in profiles]
    groups: dict[frozenset, list[int]] = {}
    for pk in ids:
        wanted = needs_of[pk] if needs_of is not None else needs
        groups.setdefault(frozenset(wanted.items()) if wanted is not None else None, []).append(pk)
    records: dict[int, list[EventRecord]] = defaultdict(list)
    needed: dict[int, dict[str, EventNeed] | None] = {}
    for key, members in groups.items():
        wanted = dict(key) if key is not None else None
        needed.update(dict.fromkeys(members, wanted))
        for profile_id, record in _event_records(members, wanted):
            records[profile_id].append(record)
    granted = granted_purposes(ids) if consents else None  # one query
    return {
        p.pk: ProfileState(
            traits=p.traits or {},
            metrics=metrics_of(p),
            events=EventList(records[p.pk], needed[p.pk]),
            profile_id=p.pk,
            merged=p.merged_into_id is not None,
            consents=granted.get(p.pk, {}) if granted is not None else None,
        )
        for p in profiles
    }


def _event_records(profile_ids: list[int], needs: dict[str, EventNeed] | None):
    """(profile id, EventRecord) of the profiles' events, filtered by `needs`. Properties come as
    text and are decoded with orjson, and only for the names whose conditions read them."""
    if not profile_ids or needs == {}:
        return
    if connection.vendor == "postgresql":
        # The same rows, read with a hand-written statement (the ORM compiled this query for
        # every group of every batch: more than the query itself cost, docs/benchmarks.md) and fetched straight from the driver (pg.fetch_all).
        from segments.pg import fetch_all

        raw = fetch_all(*_event_records_sql(profile_ids, needs))
    else:
        raw = _event_records_query(profile_ids, needs).iterator(chunk_size=5000)
    loads = orjson.loads
    for profile_id, name, timestamp, text in raw:
        if name:
            yield profile_id, EventRecord(name, timestamp, (loads(text) or {}) if text else {})


def _event_records_query(profile_ids: list[int], needs: dict[str, EventNeed] | None):
    """The portable form of _event_records_sql (the ORM): the same rows, on any database."""
    from django.db.models import Case, TextField, Value, When
    from django.db.models.functions import Cast

    from ingestion.models import Event

    events = Event.objects.filter(profile_id__in=profile_ids)
    properties = Cast("properties", TextField())
    if needs is not None:
        wanted = Q(pk__in=[])
        for name, need in needs.items():
            wanted |= named_q(name) & Q(timestamp__gte=need.since) if need.since is not None else named_q(name)
        events = events.filter(wanted)
        read = [name for name, need in needs.items() if need.properties]
        properties = (
            Case(
                When(reduce(operator.or_, map(named_q, read)), then=properties),
                default=Value(None),
                output_field=TextField(),
            )
            if read
            else Value(None, output_field=TextField())
        )
    return events.annotate(props=properties).values_list("profile_id", "known_as", "timestamp", "props")


def _event_records_sql(profile_ids: list[int], needs: dict[str, EventNeed] | None) -> tuple[str, list]:
    """PostgreSQL: (statement, parameters) reading what _event_records_query reads (the same
    columns; events named as named_q names them: Event.known_as)."""
    from ingestion.models import Event

    table = Event._meta.db_table
    if needs is None:
        every = f'SELECT profile_id, known_as, "timestamp", properties::text FROM {table}'  # noqa: S608 - from model meta
        return f"{every} WHERE profile_id = ANY(%s::bigint[])", [profile_ids]
    names = sorted(needs)
    wanted = " OR ".join(
        '(known_as = %s AND "timestamp" >= %s)' if needs[name].since is not None else "known_as = %s" for name in names
    )
    statement = (
        'SELECT profile_id, known_as, "timestamp", '  # noqa: S608 - table name from model meta
        "CASE WHEN known_as = ANY(%s::text[]) THEN properties::text END "
        f"FROM {table} WHERE profile_id = ANY(%s::bigint[]) AND ({wanted})"
    )
    params: list = [[name for name in names if needs[name].properties], profile_ids]
    for name in names:
        params.append(name)
        if needs[name].since is not None:
            params.append(needs[name].since)
    return statement, params
