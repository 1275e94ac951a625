"""The background work of CSV imports: the dry run over every row, and the import itself.

Both go chunk by chunk and save their progress after each chunk (the page's progress bar). Called
by the Celery task `ingestion.run_import`, or by a thread of the server in embedded mode.

Rows go through the tracking API's normalizer and `events_accept`, so an imported row obeys every
rule an identify call does, and the store's (source, messageId) dedup makes re-uploads and
re-runs idempotent.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import islice

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from ingestion.imports.constants import CHUNK_ROWS, ERRORS_KEPT, ImportStatus
from ingestion.imports.mapping import ColumnTarget, MappingError, RowError, row_message
from ingestion.imports.models import ImportJob
from ingestion.imports.parse import CsvError
from ingestion.imports.services import ImportBlocked, check_source, file_of, mapping_targets, release_file
from ingestion.models import Event
from ingestion.services import events_accept
from ingestion.tracking.normalize import NormalizedEvent, Notice, normalize


def import_job_process(*, job_id: int) -> ImportJob | None:
    """Do whatever the job is waiting for: its dry run, or its import. None if it was discarded."""
    status = ImportJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
    if status == ImportStatus.CHECKING:
        return import_job_check(job_id=job_id)
    if status in ImportStatus.ACTIVE:
        return import_job_run(job_id=job_id)
    return _load(job_id)


def _load(job_id: int) -> ImportJob | None:
    return ImportJob.objects.select_related("source", "file").defer("file__data").filter(pk=job_id).first()


# --- evaluating rows ----------------------------------------------------------------------------


@dataclass
class Evaluated:
    events: list[NormalizedEvent] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    invalid_rows: int = 0


def evaluate_rows(
    rows: Iterable[tuple[int, list[str]]], job: ImportJob, targets: list[ColumnTarget], received_at: datetime
) -> Evaluated:
    """Each row → a normalized identify event, or the row's errors."""
    result = Evaluated()
    fallback = job.file.first_uploaded_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    for number, values in rows:
        message, errors = row_message(
            row=number,
            values=values,
            headers=job.headers,
            targets=targets,
            source_id=job.source_id,
            fallback_timestamp=fallback,
            job_id=job.pk,
        )
        if message is not None:
            outcome = normalize(message, forced_type="identify", received_at=received_at)
            if outcome.event is not None:
                result.events.append(outcome.event)
                result.notices.extend(outcome.notices)
                continue
            errors = [RowError(number, "", n.message) for n in outcome.notices if n.rejected]
        result.invalid_rows += 1
        result.errors.extend(errors)
    return result


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


# --- the dry run --------------------------------------------------------------------------------


def import_job_check(*, job_id: int) -> ImportJob | None:
    """Validate every row without storing anything; count the rows whose event is already stored
    (the import would skip them) and keep the first per-line errors. Ends in "validated", or back
    in "draft" with a message when the file or mapping cannot be used."""
    job = _load(job_id)
    if job is None or job.status != ImportStatus.CHECKING:
        return job
    try:
        targets = mapping_targets(job)
        parsed = file_of(job)
    except (ImportBlocked, CsvError, MappingError) as exc:
        ImportJob.objects.filter(pk=job_id, status=ImportStatus.CHECKING).update(
            status=ImportStatus.DRAFT, failure=str(exc)[:500], updated_at=timezone.now()
        )
        return _load(job_id)
    received_at = timezone.now()
    valid = invalid = already = done = 0
    errors: list[dict] = []
    seen: set[str] = set()
    for chunk in _chunks(parsed.rows(), CHUNK_ROWS):
        result = evaluate_rows(chunk, job, targets, received_at)
        valid += len(result.events)
        invalid += result.invalid_rows
        errors.extend(e.as_dict() for e in result.errors[: max(0, ERRORS_KEPT - len(errors))])
        ids = [e.message_id for e in result.events]
        stored = set(
            Event.objects.filter(source_id=job.source_id, message_id__in=ids).values_list("message_id", flat=True)
        )
        for message_id in ids:
            already += message_id in stored or message_id in seen
            seen.add(message_id)
        moved = ImportJob.objects.filter(pk=job_id, status=ImportStatus.CHECKING, processed_rows=done).update(
            processed_rows=done + len(chunk), updated_at=timezone.now()
        )
        if not moved:
            return _load(job_id)  # discarded, or restarted by someone else meanwhile
        done += len(chunk)
    ImportJob.objects.filter(pk=job_id, status=ImportStatus.CHECKING, processed_rows=done).update(
        status=ImportStatus.VALIDATED,
        valid_rows=valid,
        invalid_rows=invalid,
        duplicates=already,
        errors=errors,
        checked_at=timezone.now(),
        updated_at=timezone.now(),
    )
    return _load(job_id)


# --- the import ---------------------------------------------------------------------------------


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Store the rows chunk by chunk; each chunk's events and the job's progress commit together.

    A re-run (a redelivered task, a resume) continues after `processed_rows`; the event store's
    dedup makes any overlap harmless. A database outage leaves the job running (the task retries;
    a person can resume a stalled job); any other error marks it failed with a message.
    """
    job = _load(job_id)
    if job is None or job.status not in ImportStatus.ACTIVE:
        return job
    try:
        check_source(job.source)
        targets = mapping_targets(job)
        parsed = file_of(job)
        now = timezone.now()
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.RUNNING, started_at=job.started_at or now, updated_at=now
        )
        offset = job.processed_rows
        for chunk in _chunks(islice(parsed.rows(), offset, None), CHUNK_ROWS):
            if not _store_chunk(job, chunk, offset, targets, timezone.now()):
                return _load(job_id)  # another runner took over
            offset += len(chunk)
    except (ImportBlocked, CsvError, MappingError) as exc:
        return _fail(job_id, str(exc))
    except DatabaseError:
        raise  # transient: the task retries; the job stays running and can be resumed
    except Exception as exc:
        _fail(job_id, f"the import stopped unexpectedly ({type(exc).__name__}); resume it to try again")
        raise
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id, status=ImportStatus.RUNNING).update(
        status=ImportStatus.DONE, finished_at=now, updated_at=now
    )
    release_file(job.file_id)
    return _load(job_id)


def _store_chunk(job: ImportJob, chunk: list, offset: int, targets: list[ColumnTarget], received_at) -> bool:
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().filter(pk=job.pk).values("status", "processed_rows", "errors")
        current = locked.first()
        if current is None or current["status"] != ImportStatus.RUNNING or current["processed_rows"] != offset:
            return False
        result = evaluate_rows(chunk, job, targets, received_at)
        accepted = events_accept(source=job.source, events=result.events, notices=result.notices)
        room = max(0, ERRORS_KEPT - len(current["errors"]))
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=F("processed_rows") + len(chunk),
            valid_rows=F("valid_rows") + len(result.events),
            invalid_rows=F("invalid_rows") + result.invalid_rows,
            stored=F("stored") + accepted.accepted,
            duplicates=F("duplicates") + accepted.duplicates,
            errors=current["errors"] + [e.as_dict() for e in result.errors[:room]],
            updated_at=timezone.now(),
        )
    return True


def _fail(job_id: int, message: str) -> ImportJob | None:
    now = timezone.now()
    ImportJob.objects.filter(pk=job_id).update(
        status=ImportStatus.FAILED, failure=message[:500], finished_at=now, updated_at=now
    )
    return _load(job_id)
