"""REST endpoints for CSV imports: upload (with an optional mapping and dry run), status, start."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import ApiKeyPrincipal
from accounts.permissions import capability_required
from ingestion.imports.constants import MAX_FILE_BYTES, Target
from ingestion.imports.mapping import MappingError
from ingestion.imports.models import ImportJob
from ingestion.imports.parse import CsvError
from ingestion.imports.selectors import import_job_get
from ingestion.imports.services import (
    ImportBlocked,
    import_job_create,
    import_job_request_check,
    import_job_set_mapping,
    import_job_start,
)
from ingestion.models import Source

IMPORTS = ["imports"]
ManageSources = capability_required("manage_sources")


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class ImportJobSerializer(serializers.ModelSerializer):
    source = serializers.SerializerMethodField()
    percent = serializers.IntegerField(read_only=True)
    more_errors = serializers.IntegerField(read_only=True)
    errors = ImportErrorSerializer(many=True, read_only=True)

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "file_name",
            "source",
            "headers",
            "mapping",
            "total_rows",
            "processed_rows",
            "percent",
            "valid_rows",
            "invalid_rows",
            "stored",
            "duplicates",
            "errors",
            "more_errors",
            "failure",
            "created_at",
            "checked_at",
            "started_at",
            "finished_at",
        ]

    def get_source(self, job) -> dict:
        return {"id": job.source_id, "name": job.source.name}


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The CSV file (header row required).")
    source = serializers.PrimaryKeyRelatedField(
        queryset=Source.objects.all(), required=False, help_text='A source id; default: the "CSV import" source.'
    )
    mapping = serializers.JSONField(
        binary=True,
        required=False,
        help_text='JSON: {"Header": "email" | "user_id" | "trait:age:number" | …} (unnamed columns are skipped) '
        "or a list with one target per column. Default: the suggested mapping.",
    )
    dry_run = serializers.BooleanField(default=False, help_text="Only check the rows; store nothing.")

    def validate_file(self, upload):
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MB")
        return upload


def _mapping_codes(mapping, headers: list[str]) -> list[str]:
    if isinstance(mapping, list) and all(isinstance(c, str) for c in mapping):
        return mapping
    if isinstance(mapping, dict) and all(isinstance(v, str) for v in mapping.values()):
        unknown = [name for name in mapping if name not in headers]
        if unknown:
            raise MappingError(f"the file has no column named {unknown[0]!r}")
        return [mapping.get(header, Target.SKIP) for header in headers]
    raise MappingError("mapping must be an object of column name → target, or a list of targets")


class ImportListView(APIView):
    permission_classes = [ManageSources]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportCreateSerializer},
        responses={201: ImportJobSerializer},
        summary="Upload a CSV file and start its dry run or its import (both run in the background)",
        tags=IMPORTS,
    )
    def post(self, request):
        payload = ImportCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        created_by = None if isinstance(request.user, ApiKeyPrincipal) else request.user
        upload = data["file"]
        try:
            with transaction.atomic():
                job = import_job_create(
                    created_by=created_by, file_name=upload.name, data=upload.read(), source=data.get("source")
                )
                if "mapping" in data:
                    import_job_set_mapping(job=job, mapping=_mapping_codes(data["mapping"], job.headers))
                else:
                    import_job_set_mapping(job=job, mapping=job.mapping)  # checks the suggestion
                if data["dry_run"]:
                    import_job_request_check(job=job)
                else:
                    import_job_start(job=job)
        except (CsvError, ImportBlocked) as exc:
            raise ValidationError({"file": [str(exc)]}) from None
        except MappingError as exc:
            raise ValidationError({"mapping": [str(exc)]}) from None
        return Response(ImportJobSerializer(job).data, status=status.HTTP_201_CREATED)


class ImportDetailView(APIView):
    permission_classes = [ManageSources]

    @extend_schema(responses=ImportJobSerializer, summary="An import's status, progress and counts", tags=IMPORTS)
    def get(self, request, pk: int):
        job = import_job_get(pk)
        if job is None:
            raise Http404
        return Response(ImportJobSerializer(job).data)


class ImportStartView(APIView):
    permission_classes = [ManageSources]

    @extend_schema(
        request=None,
        responses={202: ImportJobSerializer},
        summary="Start a dry-run-checked import, or resume a failed one",
        tags=IMPORTS,
    )
    def post(self, request, pk: int):
        job = import_job_get(pk)
        if job is None:
            raise Http404
        try:
            import_job_start(job=job)
        except (ImportBlocked, MappingError) as exc:
            raise ValidationError({"status": [str(exc)]}) from None
        return Response(ImportJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
