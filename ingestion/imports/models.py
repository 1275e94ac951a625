"""CSV imports: the uploaded file (once per content) and one job per upload.

Registered in the `ingestion` app (re-exported by ingestion/models.py).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from ingestion.imports.constants import ImportStatus


class ImportFile(models.Model):
    """An uploaded CSV file, stored once per content (SHA-256).

    `first_uploaded_at` is the event time of rows without a mapped "updated at" column, so a
    re-upload of the same bytes produces the same events (and stores nothing new). `data` is
    emptied once no unfinished import needs it: the hash and the time stay, the personal data goes.
    """

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveIntegerField()
    data = models.BinaryField(null=True, blank=True)
    first_uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = "import file"

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.size} bytes)"


class ImportJob(models.Model):
    """One upload of a CSV file: its column mapping, dry-run results and import progress.

    Counts describe the last dry run until the import starts, then the import itself.
    `processed_rows` is saved with each chunk of stored events, so a re-run resumes after it.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    file = models.ForeignKey(ImportFile, on_delete=models.PROTECT, related_name="jobs")
    file_name = models.CharField(max_length=255)
    source = models.ForeignKey("ingestion.Source", on_delete=models.PROTECT, related_name="import_jobs")
    encoding = models.CharField(max_length=16)
    delimiter = models.CharField(max_length=1)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=list, blank=True, help_text="One target per column, e.g. trait:age:number.")
    status = models.CharField(max_length=16, choices=ImportStatus.CHOICES, default=ImportStatus.DRAFT)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0)
    invalid_rows = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0, help_text="Events stored by the import.")
    duplicates = models.PositiveIntegerField(default=0, help_text="Rows whose event was already stored.")
    errors = models.JSONField(default=list, blank=True, help_text="The first per-line errors: row, column, message.")
    failure = models.CharField(max_length=500, blank=True, default="")
    checked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "import job"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def more_errors(self) -> int:
        """Invalid rows beyond the errors kept (a row can also carry several errors)."""
        rows_listed = len({e["row"] for e in self.errors})
        return max(0, self.invalid_rows - rows_listed)
