"""Writes for CSV imports: upload, map, ask for a dry run, start, resume and discard.

The slow work (the dry run over every row, and the import itself) runs in the background:
`ingestion.imports.work`, called by the Celery task `ingestion.run_import`.
"""

from __future__ import annotations

import hashlib
import logging
import threading

from django.db import IntegrityError, transaction
from django.utils import timezone

from ingestion.constants import SourceKind
from ingestion.imports.constants import DEFAULT_SOURCE_NAME, ImportStatus
from ingestion.imports.mapping import ColumnTarget, MappingError, check_mapping, parse_target
from ingestion.imports.mapping import suggest_mapping as _suggest
from ingestion.imports.models import ImportFile, ImportJob
from ingestion.imports.parse import CsvFile, column_samples, count_rows, read_csv
from ingestion.imports.selectors import import_file_bytes, import_job_is_stalled
from ingestion.models import Source
from ingestion.services import source_create
from profiles.settings import profile_config

log = logging.getLogger(__name__)


class ImportBlocked(ValueError):
    """An import cannot go on; the message says what to do."""


# --- upload and mapping -------------------------------------------------------------------------


def import_default_source() -> Source:
    """The "CSV import" source (kind crm), created on first use."""
    source = Source.objects.filter(name__iexact=DEFAULT_SOURCE_NAME).first()
    if source is None:
        try:
            with transaction.atomic():
                source = source_create(name=DEFAULT_SOURCE_NAME, kind=SourceKind.CRM)
        except (ValueError, IntegrityError):  # created meanwhile by another upload
            source = Source.objects.get(name__iexact=DEFAULT_SOURCE_NAME)
    return source


def check_source(source: Source) -> None:
    if not source.enabled:
        raise ImportBlocked(f"the source {source.name!r} is disabled; enable it or choose another source")


def import_job_create(*, created_by, file_name: str, data: bytes, source: Source | None = None) -> ImportJob:
    """Check the file (encoding, delimiter, header, limits), store it and propose a mapping."""
    parsed = read_csv(data)
    total = count_rows(parsed)
    source = source or import_default_source()
    check_source(source)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        stored_file, created = ImportFile.objects.get_or_create(
            sha256=digest, defaults={"size": len(data), "data": data, "first_uploaded_at": timezone.now()}
        )
        if not created and not stored_file.data:
            stored_file.data = data
            stored_file.save(update_fields=["data"])
        samples = column_samples(parsed)
        targets = _suggest(parsed.headers, samples, profile_config().identifier_traits)
        return ImportJob.objects.create(
            created_by=created_by if getattr(created_by, "is_authenticated", False) else None,
            file=stored_file,
            file_name=(file_name or "upload.csv")[:255],
            source=source,
            encoding=parsed.encoding,
            delimiter=parsed.delimiter,
            headers=parsed.headers,
            mapping=[t.code for t in targets],
            total_rows=total,
        )


def mapping_targets(job: ImportJob, mapping: list[str] | None = None) -> list[ColumnTarget]:
    """Parse and check a mapping (the job's own by default); raises MappingError."""
    identifier_traits = profile_config().identifier_traits
    codes = job.mapping if mapping is None else mapping
    targets = []
    for header, code in zip(job.headers, codes, strict=False):
        try:
            targets.append(parse_target(code, identifier_traits))
        except MappingError as exc:
            raise MappingError(f"column {header!r}: {exc}") from None
    check_mapping(targets, job.headers)
    return targets


def _reset_counts(job: ImportJob) -> None:
    job.processed_rows = job.valid_rows = job.invalid_rows = job.stored = job.duplicates = 0
    job.errors = []
    job.failure = ""


def import_job_set_mapping(*, job: ImportJob, mapping: list[str]) -> ImportJob:
    """Save a mapping (one target per column); it must be checked by a dry run again."""
    _check_editable(job)
    targets = mapping_targets(job, mapping)
    job.mapping = [t.code for t in targets]
    job.status = ImportStatus.DRAFT
    job.checked_at = None
    _reset_counts(job)
    job.save()
    return job


def import_job_request_check(*, job: ImportJob) -> ImportJob:
    """Queue the dry run of every row (ingestion.imports.work.import_job_check)."""
    if not (job.status == ImportStatus.CHECKING and import_job_is_stalled(job)):
        _check_editable(job)
    mapping_targets(job)  # raises MappingError
    if not ImportFile.objects.filter(pk=job.file_id, data__isnull=False).exists():
        raise ImportBlocked("the file's contents are no longer stored; upload it again")
    job.status = ImportStatus.CHECKING
    job.checked_at = None
    _reset_counts(job)
    job.save()
    transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _check_editable(job: ImportJob) -> None:
    if job.status not in ImportStatus.EDITABLE:
        raise ImportBlocked(f"this import is {job.get_status_display().lower()}; its mapping can no longer change")


def file_of(job: ImportJob) -> CsvFile:
    data = import_file_bytes(job)
    if not data:
        raise ImportBlocked("the file's contents are no longer stored; upload it again")
    return read_csv(data)


# --- starting, resuming, discarding -------------------------------------------------------------


def import_job_start(*, job: ImportJob) -> ImportJob:
    """Queue the import of a job (normally checked by a dry run first), or resume a failed or
    stalled one where it stopped."""
    if job.status in ImportStatus.EDITABLE:
        mapping_targets(job)  # raises MappingError
        _reset_counts(job)
    elif not (job.status == ImportStatus.FAILED or (import_job_is_stalled(job) and job.status in ImportStatus.ACTIVE)):
        raise ImportBlocked(f"this import is {job.get_status_display().lower()}; it cannot be started now")
    check_source(job.source)
    job.status = ImportStatus.QUEUED
    job.failure = ""
    job.finished_at = None
    job.save()
    transaction.on_commit(lambda: _dispatch(job.pk))
    return job


def _dispatch(job_id: int) -> None:
    """Full stack: the Celery task. Embedded server: a background thread of this process (like the
    event doorbell), so that pages show progress. Tests with the doorbell off: right now, in-process."""
    from cdp.celery import app
    from ingestion import doorbell
    from ingestion.tasks import run_import

    if app.conf.task_always_eager and doorbell.mode() == "thread":
        threading.Thread(target=_run_in_thread, args=(job_id,), name=f"shoal-import-{job_id}", daemon=True).start()
    else:
        run_import.delay(job_id)


def _run_in_thread(job_id: int) -> None:
    from django.db import close_old_connections

    from ingestion.imports.work import import_job_process

    try:
        import_job_process(job_id=job_id)
    except Exception:
        log.exception("CSV import %s failed", job_id)
    finally:
        close_old_connections()


def release_file(file_id: int) -> None:
    """Forget a file's contents once every import of it is done (its hash and time stay)."""
    if not ImportJob.objects.filter(file_id=file_id).exclude(status=ImportStatus.DONE).exists():
        ImportFile.objects.filter(pk=file_id).update(data=None)


def import_job_discard(*, job: ImportJob) -> None:
    """Delete an import that is not running or done (events it already stored stay)."""
    busy = job.status in ImportStatus.BACKGROUND and not import_job_is_stalled(job)
    if busy or job.status == ImportStatus.DONE:
        raise ImportBlocked(f"this import is {job.get_status_display().lower()}; it cannot be discarded")
    file_id = job.file_id
    job.delete()
    release_file(file_id)
