"""In-process subscribers to profile changes (the segment engine subscribes here).

Two moments, with what changed per profile ("metric:<column>" for each stored metric column that
moved, or "metrics" when any may have; "trait:<key>", "event:<name>", "merge", "new" for a profile
created by the batch)
and which profiles were merged into which:

* `profiles_applied(batch)` runs INSIDE the batch's transaction, after the profiles are written:
  derived state (segment membership and its ledger) commits or rolls back with them — or, for a
  `deferred` batch, durable work to do right after the commit is recorded there.
* `profiles_committed()` runs after the commit of a deferred batch (and on the pipeline's sweeps):
  subscribers do the work they recorded, in their own transactions (the segment engine evaluates
  memberships there, outside the lock that orders identity resolution between workers).
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


@dataclass(frozen=True)
class AppliedBatch:
    """What one pipeline batch changed, handed to in-transaction subscribers."""

    changes: dict[int, frozenset[str]]  # profile id → what changed
    merged_away: dict[int, int]  # merged profile id → survivor id
    last_event: dict[int, int]  # profile id → id of the latest event applied to it
    now: datetime
    cause: str | None = None  # None: events (or a merge); else why, e.g. "time" for an RFM re-rank
    profiles: dict | None = None  # profile id → the Profile as just written, when the caller has them
    # True: the caller calls profiles_committed() after its commit, so subscribers may record the
    # work (durably, in this transaction) and do it then (the event pipeline).
    deferred: bool = False


def subscribe_in_transaction(listener: Callable[[AppliedBatch], None]) -> None:
    if listener not in _in_transaction:
        _in_transaction.append(listener)


def profiles_applied(batch: AppliedBatch) -> None:
    """Errors propagate: the batch rolls back and is retried, nothing half-applied."""
    for listener in list(_in_transaction):
        listener(batch)


_after_commit: list[Callable[[], object]] = []


def subscribe_after_commit(listener: Callable[[], object]) -> None:
    if listener not in _after_commit:
        _after_commit.append(listener)


def profiles_committed() -> None:
    """After a deferred batch's commit, and on sweeps: subscribers do what they recorded. A failure
    is logged; the recorded work stays for the next call (it is durable)."""
    for listener in list(_after_commit):
        try:
            listener()
        except Exception:
            log.exception("profiles_committed listener %r failed", listener)


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
