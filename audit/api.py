"""GET /api/v1/audit/: the audit log, read only, for holders of view_audit_log."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView

from accounts.permissions import capability_required
from audit.selectors import audit_list
from audit.serializers import AuditEntrySerializer, AuditQuerySerializer
from profiles.pagination import KeysetPagination


class AuditPagination(KeysetPagination):
    field = "at"


class AuditListView(GenericAPIView):
    permission_classes = [capability_required("view_audit_log")]
    pagination_class = AuditPagination
    serializer_class = AuditEntrySerializer

    @extend_schema(
        parameters=[AuditQuerySerializer],
        responses=AuditEntrySerializer(many=True),
        summary="Read the audit log",
        description="Append-only record of sign-ins, role, key, source and segment changes, consent changes, "
        "exports, privacy requests and PII reveals; newest first, 50 per page (`limit` up to 200).",
        tags=["audit"],
    )
    def get(self, request):
        query = AuditQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(audit_list(**query.validated_data))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
