"""One profile's state as the Python target (the incremental path) sees it.

`ProfileState.events` is an EventFacts: anything that can summarize an event condition at a moment.
EventList does it from the raw event records; the incremental engine can substitute materialised
per-condition counters with the same interface without touching the predicate.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from segments.constants import STORED_METRIC_COLUMNS
from segments.rules.events import EventRecord, EventSummary, event_name, summarize_records
from segments.rules.tree import EventCondition


class EventFacts(Protocol):
    def summarize(self, condition: EventCondition, now: datetime) -> EventSummary: ...


class EventList:
    """EventFacts over a profile's event records (grouped by name once)."""

    def __init__(self, records: Iterable[EventRecord] = ()):
        self.by_name: dict[str, list[EventRecord]] = defaultdict(list)
        for record in records:
            self.by_name[record.name].append(record)

    def summarize(self, condition: EventCondition, now: datetime) -> EventSummary:
        return summarize_records(condition, self.by_name.get(condition.name, ()), now)


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
    consents: dict[str, bool] = field(default_factory=dict)  # purpose slug → granted (consent.selectors)


def metrics_of(profile) -> dict:
    return {column: getattr(profile, column) for column in STORED_METRIC_COLUMNS}


def state_for_profile(profile) -> ProfileState:
    """Load one profile's state from the database (its events in one query)."""
    return states_for_profiles([profile])[profile.pk]


def states_for_profiles(profiles: Iterable) -> dict[int, ProfileState]:
    """The states of several profiles, with all their events in one query."""
    from consent.selectors import granted_purposes
    from ingestion.models import Event

    profiles = list(profiles)
    records: dict[int, list[EventRecord]] = defaultdict(list)
    rows = Event.objects.filter(profile__in=[p.pk for p in profiles]).values_list(
        "profile_id", "type", "name", "timestamp", "properties"
    )
    for profile_id, event_type, name, timestamp, properties in rows.iterator(chunk_size=5000):
        named = event_name(event_type, name)
        if named:
            records[profile_id].append(EventRecord(named, timestamp, properties or {}))
    consents = granted_purposes([p.pk for p in profiles])  # one query
    return {
        p.pk: ProfileState(
            traits=p.traits or {},
            metrics=metrics_of(p),
            events=EventList(records[p.pk]),
            profile_id=p.pk,
            merged=p.merged_into_id is not None,
            consents=consents.get(p.pk, {}),
        )
        for p in profiles
    }
