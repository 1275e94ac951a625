"""Consent carried by events, applied by the event pipeline inside each batch's transaction.

Segment's conventions (docs/consent.md):
* any event may carry `context.consent.categoryPreferences` ({"Advertising": true, "Analytics":
  false, …}): the person's preferences when the event was sent. A category maps to purposes
  through ConsentCategoryMapping (ignoring case); categories with no mapping are ignored. Such a
  snapshot is recorded only when it changes the person's current state, so ordinary events do
  not pile up records.
* the track event "Segment Consent Preference Updated" is an explicit statement: every mapped
  category is recorded, changed or not.
`true` records granted; `false` records withdrawn when the person had granted, else denied.

Set-at-a-time: a fixed number of queries per batch whatever its size, and none when no event
carries consent and the analytics-denial effect has nothing to do.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from django.conf import settings

from consent.constants import (
    ANALYTICS_DENIED_CONTEXT_KEPT,
    ANALYTICS_EFFECT_KEEP,
    ANALYTICS_EFFECT_STRIP_PROPERTIES,
    ANALYTICS_PURPOSE,
    CONSENT_PREFERENCE_EVENT,
    ConsentSource,
    ConsentState,
)
from consent.models import ConsentCategoryMapping, ProfileConsent
from consent.services import ConsentInput, consent_merge_profiles, consent_records_bulk, evidence_build


def consent_from_batch(
    event_profiles: list[tuple[object, int]],
    *,
    merged_away: dict[int, int],
    purchase_events: list[str] | tuple[str, ...] = (),
    now: datetime | None = None,
) -> dict[int, frozenset[str]]:
    """Apply one pipeline batch's consent: move merged profiles' consent to their survivors,
    record consent carried by events ((event, live profile id) pairs, in event-time order), then
    apply the analytics-denial effect to the batch's stored events. Returns, per profile, the
    `consent:<purpose>` inputs whose current state changed (for the segment engine)."""
    consent_merge_profiles(merged_away)
    changed: dict[int, set[str]] = defaultdict(set)
    carrying = [(event, pid) for event, pid in event_profiles if _preferences(event) is not None]
    if carrying:
        for pid, inputs in _record(carrying).items():
            changed[pid] |= inputs
    analytics_denied_apply(event_profiles, purchase_events=purchase_events)
    return {pid: frozenset(inputs) for pid, inputs in changed.items() if inputs}


def _consent_of(event) -> dict | None:
    """`context.consent`: annotated by the pipeline's claim query, else read from `context`."""
    if hasattr(event, "context_consent"):
        value = event.context_consent
    else:
        value = event.context.get("consent") if isinstance(event.context, dict) else None
    return value if isinstance(value, dict) else None


def _preferences(event) -> dict | None:
    """The event's category preferences ({category: bool}), or None."""
    consent = _consent_of(event)
    preferences = consent.get("categoryPreferences") if consent else None
    if preferences is None and event.type == "track" and event.name == CONSENT_PREFERENCE_EVENT:
        preferences = (event.properties or {}).get("categoryPreferences")
    if not isinstance(preferences, dict):
        return None
    cleaned = {str(k).strip(): v for k, v in preferences.items() if isinstance(v, bool) and str(k).strip()}
    return cleaned or None


def _record(carrying: list[tuple[object, int]]) -> dict[int, set[str]]:
    from ingestion.models import Event

    mapping: dict[str, list] = defaultdict(list)
    for row in ConsentCategoryMapping.objects.select_related("purpose"):
        mapping[row.category.casefold()].append(row.purpose)
    if not mapping:
        return {}
    profile_ids = {pid for _, pid in carrying}
    running = {
        (c.profile_id, c.purpose_id): (c.state, c.occurred_at)
        for c in ProfileConsent.objects.filter(profile_id__in=profile_ids)
    }
    details = {
        pk: (ip, user_agent, source_name)
        for pk, ip, user_agent, source_name in Event.objects.filter(pk__in=[e.pk for e, _ in carrying]).values_list(
            "pk", "context__ip", "context__userAgent", "source__name"
        )
    }
    items: list[ConsentInput] = []
    for event, pid in sorted(carrying, key=lambda pair: (pair[0].timestamp, pair[0].pk)):
        explicit = event.type == "track" and event.name == CONSENT_PREFERENCE_EVENT
        ip, user_agent, source_name = details.get(event.pk, (None, None, ""))
        consent = _consent_of(event) or {}
        for category, value in _preferences(event).items():
            for purpose in mapping.get(category.casefold(), ()):
                key = (pid, purpose.pk)
                previous_state, previous_at = running.get(key, (None, None))
                if value:
                    state = ConsentState.GRANTED
                else:
                    state = ConsentState.WITHDRAWN if previous_state == ConsentState.GRANTED else ConsentState.DENIED
                if not explicit and (
                    (previous_at is not None and event.timestamp < previous_at) or _same(previous_state, state)
                ):
                    continue  # an ordinary event repeating (or predating) what is known
                items.append(
                    ConsentInput(
                        profile_id=pid,
                        purpose=purpose,
                        state=state,
                        source=ConsentSource.INGESTION,
                        occurred_at=event.timestamp,
                        evidence=evidence_build(
                            policy_version=str(consent.get("policyVersion") or purpose.legal_text_version),
                            collection_point=f"{source_name}: {event.type} {event.name}".strip(),
                            ip=ip if isinstance(ip, str) else None,
                            user_agent=user_agent if isinstance(user_agent, str) else None,
                            category=category,
                            message_id=event.message_id,
                        ),
                        event_id=event.pk,
                    )
                )
                if previous_at is None or event.timestamp >= previous_at:
                    running[key] = (state, event.timestamp)
    _, changed = consent_records_bulk(items, reevaluate=False)
    return changed


def _same(previous: str | None, state: str) -> bool:
    """Denied and withdrawn are the same answer for an ordinary event's snapshot."""
    if previous is None:
        return False
    return (previous == ConsentState.GRANTED) == (state == ConsentState.GRANTED)


# --- Analytics denial ----------------------------------------------------------------------------


def analytics_denied_apply(
    event_profiles: list[tuple[object, int]], *, purchase_events: list[str] | tuple[str, ...] = ()
) -> int:
    """ANALYTICS_DENIED_EFFECT for a batch: for people whose current analytics state is denied or
    withdrawn, `strip_context` removes from the stored events everything in `context` but
    consent, library and traits (IP, user agent, page, campaign, device, location…);
    `strip_properties` also empties the properties of events other than purchases (kept: orders
    and revenue are contractual records). `keep` stores events as sent. Returns events changed."""
    from ingestion.models import Event
    from profiles.bulk import update_by_pk

    effect = getattr(settings, "ANALYTICS_DENIED_EFFECT", ANALYTICS_EFFECT_KEEP)
    if effect == ANALYTICS_EFFECT_KEEP or not event_profiles:
        return 0
    profile_ids = {pid for _, pid in event_profiles}
    denied = set(
        ProfileConsent.objects.filter(
            profile_id__in=profile_ids,
            purpose__slug=ANALYTICS_PURPOSE,
            state__in=(ConsentState.DENIED, ConsentState.WITHDRAWN),
        ).values_list("profile_id", flat=True)
    )
    affected = [event for event, pid in event_profiles if pid in denied]
    if not affected:
        return 0
    contexts = dict(Event.objects.filter(pk__in=[e.pk for e in affected]).values_list("pk", "context"))
    rows = []
    for event in affected:
        context = contexts.get(event.pk) or {}
        event.context = {k: v for k, v in context.items() if k in ANALYTICS_DENIED_CONTEXT_KEPT}
        if effect == ANALYTICS_EFFECT_STRIP_PROPERTIES and not (
            event.type == "track" and event.name in purchase_events
        ):
            event.properties = {}
        rows.append(event)
    fields = ["context", "properties"] if effect == ANALYTICS_EFFECT_STRIP_PROPERTIES else ["context"]
    return update_by_pk(Event, rows, fields)
