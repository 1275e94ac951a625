"""The suppression list at work: events of erased people are dropped before they are stored
(tracking API, CSV imports, demo loads — everything goes through `events_accept_many`) and, as a
second line, before the worker applies an event stored just before the erasure committed.

The list is a set of keyed hashes (privacy.hashing). On the API's hot path it is memoised per
process for SUPPRESSION_CACHE_SECONDS; when it is empty the check is one comparison. The worker
asks the database every batch (one indexed query), so nothing slips through a stale memo.
"""

from __future__ import annotations

import dataclasses
import threading
import time

from privacy.constants import SUPPRESSED_WARNING_CODE, SUPPRESSED_WARNING_MESSAGE, SUPPRESSION_CACHE_SECONDS
from privacy.hashing import identifier_hash
from profiles.constants import IdentityKind

_lock = threading.Lock()
_memo: tuple[float, frozenset[str]] | None = None


def suppressed_hashes() -> frozenset[str]:
    """Every suppression hash, memoised in the process for a few seconds."""
    global _memo
    now = time.monotonic()
    memo = _memo
    if memo is not None and now - memo[0] < SUPPRESSION_CACHE_SECONDS:
        return memo[1]
    from privacy.models import Suppression

    hashes = frozenset(Suppression.objects.values_list("identifier_hash", flat=True))
    with _lock:
        _memo = (now, hashes)
    return hashes


def forget_suppressions() -> None:
    global _memo
    with _lock:
        _memo = None


def identifiers_of(*, user_id, anonymous_id, previous_id, traits: dict, context: dict, identifier_traits) -> list:
    """(kind, value) pairs an incoming event carries, as the pipeline would read them."""
    found = []
    if user_id:
        found.append((IdentityKind.USER_ID, user_id))
    if anonymous_id:
        found.append((IdentityKind.ANONYMOUS_ID, anonymous_id))
    if previous_id:  # alias: either kind
        found += [(IdentityKind.USER_ID, previous_id), (IdentityKind.ANONYMOUS_ID, previous_id)]
    context_traits = context.get("traits") if isinstance(context, dict) else None
    merged = {**(context_traits if isinstance(context_traits, dict) else {}), **(traits or {})}
    email = merged.get("email")
    if isinstance(email, str) and "@" in email:
        found.append((IdentityKind.EMAIL, email))
    for key in identifier_traits:
        value = merged.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            found.append((key, value))
    return found


def _event_hashes(event, identifier_traits) -> set[str]:
    if hasattr(event, "context_traits"):  # a claimed Event (the claim query annotates it; context is deferred)
        context = {"traits": event.context_traits}
    else:
        context = event.context if isinstance(event.context, dict) else {}
    pairs = identifiers_of(
        user_id=event.user_id,
        anonymous_id=event.anonymous_id,
        previous_id=event.previous_id,
        traits=event.traits if isinstance(event.traits, dict) else {},
        context=context,
        identifier_traits=identifier_traits,
    )
    return {identifier_hash(kind, value) for kind, value in pairs}


def submissions_drop_suppressed(submissions: list) -> list:
    """Before storing (ingestion.services.events_accept_many): the same submissions without the
    events of erased people, each dropped event recorded as a rejected warning without personal
    data (code `suppressed`). The API still answers 200; dropped events count as `rejected`."""
    hashes = suppressed_hashes()
    if not hashes:
        return submissions
    from ingestion.tracking.normalize import Notice
    from profiles.settings import profile_config

    identifier_traits = profile_config().identifier_traits
    out = []
    for submission in submissions:
        kept, notices = [], list(submission.notices)
        for event in submission.events:
            if _event_hashes(event, identifier_traits) & hashes:
                notices.append(
                    Notice(
                        code=SUPPRESSED_WARNING_CODE,
                        message=SUPPRESSED_WARNING_MESSAGE,
                        rejected=True,
                        message_id=event.message_id,
                        event_type=event.type,
                    )
                )
            else:
                kept.append(event)
        if len(kept) == len(submission.events):
            out.append(submission)
        else:
            out.append(dataclasses.replace(submission, events=kept, notices=notices))
    return out


def events_drop_suppressed(events: list, config) -> list:
    """In the worker's batch transaction (profiles.pipeline): delete claimed events of erased
    people (stored before their erasure committed) and return the others."""
    from ingestion.models import Event, IngestionWarning
    from privacy.models import Suppression

    if not Suppression.objects.exists():  # the common case: nobody erased, no hashing
        return events
    per_event = [_event_hashes(event, config.identifier_traits) for event in events]
    wanted = set().union(*per_event) if per_event else set()
    if not wanted:
        return events
    found = set(Suppression.objects.filter(identifier_hash__in=wanted).values_list("identifier_hash", flat=True))
    if not found:
        return events
    dropped = [event for event, hashes in zip(events, per_event, strict=True) if hashes & found]
    source_ids = dict(Event.objects.filter(pk__in=[e.pk for e in dropped]).values_list("pk", "source_id"))
    Event.objects.filter(pk__in=[e.pk for e in dropped]).delete()
    IngestionWarning.objects.bulk_create(
        [
            IngestionWarning(
                source_id=source_ids.get(event.pk),
                code=SUPPRESSED_WARNING_CODE,
                message=SUPPRESSED_WARNING_MESSAGE,
                rejected=True,
                message_id=event.message_id,
                event_type=event.type,
            )
            for event in dropped
        ]
    )
    return [event for event, hashes in zip(events, per_event, strict=True) if not hashes & found]
