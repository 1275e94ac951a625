"""REST endpoints for sources (write keys, allowed origins, live counts) and ingestion warnings."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import capability_required
from ingestion.selectors import source_list
from ingestion.serializers import (
    SourceCreateSerializer,
    SourceDetailSerializer,
    SourceSerializer,
    SourceUpdateSerializer,
    WarningQuerySerializer,
    WarningSerializer,
)
from ingestion.services import source_create, source_rotate_write_key, source_update
from ingestion.stats import source_event_counts, warning_search
from profiles.pagination import KeysetPagination

SOURCES = ["sources"]
ManageSources = capability_required("manage_sources")


def _detail(source) -> dict:
    return SourceDetailSerializer(source, context={"counts": source_event_counts()}).data


class SourceListView(APIView):
    permission_classes = [ManageSources]

    @extend_schema(
        responses=SourceSerializer(many=True),
        summary="List sources with live event counts",
        description="Every source, by name, with events received in the last hour, 24 hours and in total.",
        tags=SOURCES,
    )
    def get(self, request):
        counts = source_event_counts()
        return Response(SourceSerializer(source_list(), many=True, context={"counts": counts}).data)

    @extend_schema(
        request=SourceCreateSerializer,
        responses={201: SourceDetailSerializer},
        summary="Create a source (answers with its write key)",
        tags=SOURCES,
    )
    def post(self, request):
        payload = SourceCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        try:
            with transaction.atomic():
                source = source_create(**payload.validated_data)
        except ValueError as exc:
            raise ValidationError({"name": [str(exc)]}) from exc
        except IntegrityError as exc:  # a concurrent create with the same name
            raise ValidationError({"name": ["a source with this name already exists"]}) from exc
        return Response(_detail(source), status=status.HTTP_201_CREATED)


class SourceDetailView(APIView):
    permission_classes = [ManageSources]

    @extend_schema(responses=SourceDetailSerializer, summary="Get a source and its write key", tags=SOURCES)
    def get(self, request, pk: int):
        return Response(_detail(get_object_or_404(source_list(), pk=pk)))

    @extend_schema(
        request=SourceUpdateSerializer,
        responses=SourceDetailSerializer,
        summary="Enable or disable a source, or change its allowed origins",
        tags=SOURCES,
    )
    def patch(self, request, pk: int):
        source = get_object_or_404(source_list(), pk=pk)
        payload = SourceUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        source = source_update(source=source, **payload.validated_data)
        return Response(_detail(source))


class SourceRotateKeyView(APIView):
    permission_classes = [ManageSources]

    @extend_schema(
        request=None,
        responses=SourceDetailSerializer,
        summary="Rotate a source's write key (the old key stops working at once)",
        tags=SOURCES,
    )
    def post(self, request, pk: int):
        source = source_rotate_write_key(source=get_object_or_404(source_list(), pk=pk))
        return Response(_detail(source))


class WarningPagination(KeysetPagination):
    field = "created_at"


class IngestionWarningListView(GenericAPIView):
    permission_classes = [ManageSources]
    pagination_class = WarningPagination
    serializer_class = WarningSerializer

    @extend_schema(
        parameters=[WarningQuerySerializer],
        responses=WarningSerializer(many=True),
        summary="List ingestion warnings",
        description=(
            "Events that were rejected (never stored) or kept with a change, newest first, "
            "50 per page (`limit` up to 200)."
        ),
        tags=SOURCES,
    )
    def get(self, request):
        query = WarningQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = query.validated_data
        warnings = warning_search(
            source_id=filters.get("source"), code=filters.get("code"), rejected=filters.get("rejected")
        )
        page = self.paginate_queryset(warnings)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
