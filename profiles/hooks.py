"""In-process subscribers to profile changes (the segment engine subscribes here).

Two moments, with what changed per profile ("metric:<column>" for each stored metric column that
moved, or "metrics" when any may have; "trait:<key>", "event:<name>", "merge", "new" for a profile
created by the batch)
and which profiles were merged into which:

* `profiles_applied(batch)` runs INSIDE the batch's transaction, after the profiles are written:
  derived state (segment membership and its ledger) commits or rolls back with them — or, for a
  `deferred` batch (the event pipeline's), a durable record of the work does, and the work itself
  is done by `batches_committed()` right after the commit (segments.pending).
* `profiles_changed(changes, merged_away)` runs after the commit: side effects (notifications).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

log = logging.getLogger(__name__)

Listener = Callable[[dict[int, frozenset[str]], dict[int, int]], None]
_listeners: list[Listener] = []
_in_transaction: list[Callable] = []
_after_batches: list[Callable[[], object]] = []


@dataclass(frozen=True)
class AppliedBatch:
    """What one pipeline batch changed, handed to in-transaction subscribers."""

    changes: dict[int, frozenset[str]]  # profile id → what changed
    merged_away: dict[int, int]  # merged profile id → survivor id
    last_event: dict[int, int]  # profile id → id of the latest event applied to it
    now: datetime
    cause: str | None = None  # None: events (or a merge); else why, e.g. "time" for an RFM re-rank
    profiles: dict | None = None  # profile id → its row (traits, metric columns), when the caller has read it
    # True: the caller calls batches_committed() after its commit, so a subscriber may record the
    # batch here and finish its work then (the event pipeline; segments.pending).
    deferred: bool = False


def subscribe_in_transaction(listener: Callable[[AppliedBatch], None]) -> None:
    if listener not in _in_transaction:
        _in_transaction.append(listener)


def profiles_applied(batch: AppliedBatch) -> None:
    """Errors propagate: the batch rolls back and is retried, nothing half-applied."""
    for listener in list(_in_transaction):
        listener(batch)


def subscribe_after_batches(listener: Callable[[], object]) -> None:
    if listener not in _after_batches:
        _after_batches.append(listener)


def batches_committed() -> None:
    """After an event batch's commit (and whenever the pipeline runs, so that work left by a
    worker that died is picked up): subscribers finish what they recorded in `profiles_applied`.
    Errors propagate: what was recorded stays recorded, and the next call retries it."""
    for listener in list(_after_batches):
        listener()


def subscribe(listener: Listener) -> Listener:
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unsubscribe(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def profiles_changed(changes: dict[int, frozenset[str]], merged_away: dict[int, int]) -> None:
    for listener in list(_listeners):
        try:
            listener(changes, merged_away)
        except Exception:
            log.exception("profiles_changed listener %r failed", listener)
