"""Event batches evaluated right after they commit, by whichever worker is free.

The event pipeline applies a batch to profiles under the identity lock, one batch at a time
(profiles.pipeline). Evaluating its segments inside that same transaction held the lock for the
engine's work too, so on two workers the pipeline and the engine ran strictly one after the
other. Instead, the batch's transaction records what it changed (`pending_record`: one
PendingEvaluation row, committed or rolled back with the batch), and after the commit the worker
evaluates the recorded batches (`pending_evaluate`) without the identity lock, while the other
worker applies the next batch.

Guarantees:

* Nothing applied goes unevaluated: a recorded row is deleted by the transaction that evaluates
  it; a worker that dies in between leaves it for the next call (every pipeline call drains, and
  beat's unprocessed-event sweeper calls the pipeline every few seconds).
* One evaluation writes memberships at a time (`engine.lock_membership`, which every incremental
  writer takes before it reads memberships), and it takes every row recorded so far, in order:
  batches are never evaluated out of order, and several batches waiting together are evaluated as
  one (each profile once, against its newest state).
* A profile is evaluated as it is when the evaluation runs (its newest committed state), which
  can be newer than the batch that recorded it; a profile merged or erased meanwhile is not
  evaluated (its merge's own row, or the erasure, ends its memberships).
"""

from __future__ import annotations

from types import SimpleNamespace

import orjson
from django.db import connection, transaction
from django.utils import timezone

from profiles.hooks import AppliedBatch
from profiles.models import Profile
from segments import engine, pg
from segments.constants import STORED_METRIC_COLUMNS
from segments.models import PendingEvaluation

# At most this many recorded batches are evaluated in one transaction (each holds up to
# PROCESS_BATCH_SIZE events): a backlog is caught up in bounded steps.
PENDING_BATCHES_PER_EVALUATION = 8


def profiles_applied(batch: AppliedBatch) -> None:
    """Inside the transaction that changed the profiles: a batch the caller finishes after its
    commit (`batch.deferred`: the event pipeline) is recorded; any other is evaluated here."""
    if batch.deferred:
        pending_record(batch)
    else:
        engine.profiles_applied(batch)


def pending_record(batch: AppliedBatch) -> None:
    """Inside the event batch's transaction: record what it changed for `pending_evaluate`."""
    if not (batch.changes or batch.merged_away):
        return
    PendingEvaluation.objects.create(
        created_at=batch.now,
        changes={str(pid): sorted(changed) for pid, changed in batch.changes.items()},
        merged_away={str(pid): survivor for pid, survivor in batch.merged_away.items()},
        last_event={str(pid): event_id for pid, event_id in batch.last_event.items()},
    )


def pending_evaluate() -> int:
    """After an event batch's commit: evaluate every recorded batch, a few at a time, each step in
    its own transaction. Returns at once when another worker is evaluating: that worker takes
    what was recorded meanwhile on its next step (it goes on until nothing is left). Returns the
    number of membership changes written."""
    written = 0
    while True:
        with transaction.atomic():
            if not engine.lock_membership(wait=False):
                return written
            rows = list(PendingEvaluation.objects.order_by("pk")[:PENDING_BATCHES_PER_EVALUATION])
            if not rows:
                return written
            written += _evaluate(rows)
            PendingEvaluation.objects.filter(pk__in=[row.pk for row in rows]).delete()


def _evaluate(rows: list[PendingEvaluation]) -> int:
    changes: dict[int, frozenset[str]] = {}
    merged_away: dict[int, int] = {}
    last_event: dict[int, int] = {}
    for row in rows:  # in recording order: a later batch's latest event wins
        for pid, changed in row.changes.items():
            changes[int(pid)] = changes.get(int(pid), frozenset()) | frozenset(changed)
        merged_away.update({int(pid): survivor for pid, survivor in row.merged_away.items()})
        last_event.update({int(pid): event_id for pid, event_id in row.last_event.items()})
    live = _live_profiles(sorted(changes))
    batch = AppliedBatch(
        {pid: changed for pid, changed in changes.items() if pid in live},
        merged_away,
        last_event,
        timezone.now(),
        profiles=live,
    )
    return engine.profiles_applied(batch)


def _live_profiles(ids: list[int]) -> dict:
    """The profiles' newest committed state as the engine reads it (traits and stored metric
    columns); merged profiles (their merge's row ends their memberships) and erased ones are left
    out. On PostgreSQL straight from the cursor: building 4,000 model instances cost a fifth of
    the evaluation of a batch of 4,000 events (docs/benchmarks.md)."""
    if connection.vendor != "postgresql":
        fields = ("traits", "merged_into", *STORED_METRIC_COLUMNS)
        return Profile.objects.filter(pk__in=ids, merged_into__isnull=True).only(*fields).in_bulk()
    columns = ", ".join(STORED_METRIC_COLUMNS)
    rows = pg.fetch_all(
        f"SELECT id, traits, {columns} FROM {Profile._meta.db_table} "  # noqa: S608 - names from model meta and constants
        "WHERE id = ANY(%s) AND merged_into_id IS NULL",
        [ids],
    )
    return {
        row[0]: SimpleNamespace(
            pk=row[0],
            traits=orjson.loads(row[1]),
            merged_into_id=None,
            **dict(zip(STORED_METRIC_COLUMNS, row[2:], strict=True)),
        )
        for row in rows
    }
