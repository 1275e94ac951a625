"""Reads for CSV imports (pages and API check `manage_sources` before calling these)."""

from __future__ import annotations

import contextlib

from django.db.models import QuerySet
from django.utils import timezone

from ingestion.constants import SourceKind
from ingestion.imports.constants import (
    DEFAULT_SOURCE_NAME,
    SAMPLE_ROWS,
    STALLED_AFTER_SECONDS,
    ImportStatus,
    Target,
    TraitType,
)
from ingestion.imports.mapping import ColumnTarget, MappingError, parse_target
from ingestion.imports.models import ImportFile, ImportJob
from ingestion.imports.parse import CsvError, column_samples, read_csv
from ingestion.models import Source
from profiles.settings import profile_config


def import_job_list() -> QuerySet[ImportJob]:
    return ImportJob.objects.select_related("source", "created_by").defer("headers", "mapping", "errors")


def import_job_get(pk: int) -> ImportJob | None:
    # The file's bytes (up to 20 MB) are read only when needed: import_file_bytes().
    return ImportJob.objects.select_related("source", "file", "created_by").defer("file__data").filter(pk=pk).first()


def import_file_bytes(job: ImportJob) -> bytes | None:
    """The uploaded file's contents, or None once they were deleted (after the import)."""
    data = ImportFile.objects.filter(pk=job.file_id).values_list("data", flat=True).first()
    return bytes(data) if data else None


def import_source_choices() -> list[tuple[str, str]]:
    """Enabled CRM sources, with the default "CSV import" source first (created on first use)."""
    sources = list(Source.objects.filter(kind=SourceKind.CRM, enabled=True).order_by("name"))
    default = next((s for s in sources if s.name.lower() == DEFAULT_SOURCE_NAME.lower()), None)
    choices = [("", f"{DEFAULT_SOURCE_NAME} (default)")] if default is None else [(str(default.pk), default.name)]
    choices += [(str(s.pk), s.name) for s in sources if s is not default]
    return choices


def import_job_columns(job: ImportJob, *, with_samples: bool = True) -> list[dict]:
    """Each column's header, current target and (for the mapping page) sample values."""
    samples: list[list[str]] = [[] for _ in job.headers]
    data = import_file_bytes(job) if with_samples else None
    if data:
        with contextlib.suppress(CsvError):
            samples = column_samples(read_csv(data), per_column=SAMPLE_ROWS)
    identifier_traits = profile_config().identifier_traits
    columns = []
    for position, header in enumerate(job.headers):
        code = job.mapping[position] if position < len(job.mapping) else Target.SKIP
        try:
            target = parse_target(code, identifier_traits)
        except MappingError:
            target = ColumnTarget(Target.SKIP)
        columns.append(
            {
                "position": position,
                "header": header,
                "samples": samples[position] if position < len(samples) else [],
                "target": target,
                "choice": target.code if target.kind != Target.TRAIT else Target.TRAIT,
            }
        )
    return columns


def import_target_choices() -> list[tuple[str, str]]:
    """The "maps to" options: built-in targets, the configured identifier traits, a trait."""
    choices = [
        (Target.EMAIL, Target.LABELS[Target.EMAIL]),
        (Target.USER_ID, Target.LABELS[Target.USER_ID]),
        (Target.ANONYMOUS_ID, Target.LABELS[Target.ANONYMOUS_ID]),
    ]
    choices += [(f"{Target.IDENTIFIER}:{key}", f"Identifier: {key}") for key in profile_config().identifier_traits]
    choices += [
        (Target.TRAIT, "Trait"),
        (Target.TIMESTAMP, Target.LABELS[Target.TIMESTAMP]),
        (Target.SKIP, Target.LABELS[Target.SKIP]),
    ]
    return choices


def import_trait_type_choices() -> list[tuple[str, str]]:
    return TraitType.CHOICES


def import_job_is_stalled(job: ImportJob) -> bool:
    if job.status not in ImportStatus.BACKGROUND:
        return False
    return (timezone.now() - job.updated_at).total_seconds() > STALLED_AFTER_SECONDS


def import_job_status(job: ImportJob) -> dict:
    """What the job page polls: status, progress and counts."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.status in (ImportStatus.DONE, ImportStatus.FAILED),
        "stalled": import_job_is_stalled(job),
        "percent": job.percent,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "valid_rows": job.valid_rows,
        "invalid_rows": job.invalid_rows,
        "stored": job.stored,
        "duplicates": job.duplicates,
        "failure": job.failure,
        "errors": job.errors,
        "more_errors": job.more_errors,
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
