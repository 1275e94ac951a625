"""REST endpoints for segments (docs/api.md)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import capability_required, has_capability
from pii.selectors import masked_view
from profiles.models import Profile
from profiles.pagination import KeysetPagination, ProfilePagination
from profiles.serializers import ProfileListItemSerializer
from segments import selectors, services
from segments.rules import RuleError, parse
from segments.serializers import (
    ExplainSerializer,
    ImpactSerializer,
    MembershipChangeSerializer,
    PreviewSerializer,
    RuleSerializer,
    SegmentPatchSerializer,
    SegmentSerializer,
    SegmentVersionSerializer,
    SegmentWriteSerializer,
    SizePointSerializer,
)

TAGS = ["segments"]
CanView = capability_required("view_segments")


class PreviewTimeout(APIException):
    status_code = 503
    default_code = "preview_timeout"
    default_detail = "Counting this rule took too long and was stopped."


def _rule_errors(call):
    """Run `call`; a malformed rule or bad input becomes a 400 naming the bad node, a preview that
    ran past its time limit a 503 saying what to do instead."""
    try:
        return call()
    except RuleError as error:
        raise ValidationError({"rule": [error.as_dict()]}) from error
    except ValueError as error:
        raise ValidationError({"non_field_errors": [str(error)]}) from error
    except selectors.PreviewTimedOut as error:
        raise PreviewTimeout(
            f"Counting this rule took longer than {settings.SEGMENT_PREVIEW_TIMEOUT_SECONDS} s and was stopped. "
            "Save the segment to evaluate it in the background, or narrow the rule."
        ) from error


def _require_manage(request) -> None:
    """Reading is enough for GET; writes on the same URL need manage_segments."""
    if not has_capability(request.user, "manage_segments"):
        raise PermissionDenied("This needs the capability: manage_segments.")


def _segment(pk: int, *, user, include_archived: bool = True, edit: bool = False):
    """The segment if `user` may see it (else 404, as for an unknown id); with `edit`, 403 unless
    they may also edit it (per-segment access)."""
    from accounts.segment_access import segment_can_edit

    segment = get_object_or_404(selectors.segment_list(include_archived=include_archived, viewer=user), pk=pk)
    if edit and not segment_can_edit(user, segment):
        raise PermissionDenied("You can view this segment but not edit it.")
    return segment


def _check_references(rule, user) -> None:
    """A rule may only name segments its author may see (else: as if they did not exist)."""
    from segments.rules.dependencies import referenced_segments

    try:
        references = referenced_segments(parse(rule))
    except RuleError:
        return  # the service reports the malformed rule with its path
    visible = set(
        selectors.segment_list(include_archived=True, viewer=user)
        .filter(pk__in=references)
        .values_list("pk", flat=True)
    )
    missing = sorted(references - visible)
    if missing:
        raise ValidationError({"rule": [{"path": "$", "message": f"segment {missing[0]} does not exist"}]})


class SegmentListView(APIView):
    permission_classes = [CanView]

    @extend_schema(
        responses=SegmentSerializer(many=True),
        summary="List segments",
        tags=TAGS,
        parameters=[OpenApiParameter("archived", bool, description="Include archived segments.")],
    )
    def get(self, request):
        include_archived = request.query_params.get("archived") in ("1", "true")
        segments = selectors.segment_list(include_archived=include_archived, viewer=request.user)
        return Response(SegmentSerializer(segments, many=True).data)

    @extend_schema(
        request=SegmentWriteSerializer,
        responses={201: SegmentSerializer},
        summary="Create a segment",
        description="Validates the rule (400 with the path of a bad node), then evaluates it in the background.",
        tags=TAGS,
    )
    def post(self, request):
        _require_manage(request)
        payload = SegmentWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        owner = request.user if getattr(request.user, "pk", None) else None
        _check_references(payload.validated_data["rule"], request.user)
        segment = _rule_errors(lambda: services.segment_create(owner=owner, **payload.validated_data))
        return Response(SegmentSerializer(segment).data, status=status.HTTP_201_CREATED)


class SegmentDetailView(APIView):
    permission_classes = [CanView]

    @extend_schema(responses=SegmentSerializer, summary="Get a segment", tags=TAGS)
    def get(self, request, pk: int):
        return Response(SegmentSerializer(_segment(pk, user=request.user)).data)

    @extend_schema(
        request=SegmentPatchSerializer,
        responses=SegmentSerializer,
        summary="Edit a segment (a new rule makes a new version and a re-evaluation)",
        tags=TAGS,
    )
    def patch(self, request, pk: int):
        _require_manage(request)
        segment = _segment(pk, user=request.user, include_archived=False, edit=True)
        payload = SegmentPatchSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        if "rule" in payload.validated_data:
            _check_references(payload.validated_data["rule"], request.user)
        user = request.user if getattr(request.user, "pk", None) else None
        segment = _rule_errors(lambda: services.segment_update(segment=segment, user=user, **payload.validated_data))
        return Response(SegmentSerializer(segment).data)

    @extend_schema(responses=SegmentSerializer, summary="Archive a segment (its members leave it)", tags=TAGS)
    def delete(self, request, pk: int):
        _require_manage(request)
        segment = _rule_errors(
            lambda: services.segment_archive(segment=_segment(pk, user=request.user, include_archived=False, edit=True))
        )
        return Response(SegmentSerializer(segment).data)


_TIMED_OUT = OpenApiResponse(
    description="preview_timeout: counting ran longer than SEGMENT_PREVIEW_TIMEOUT_SECONDS and was stopped"
)


class PreviewView(APIView):
    permission_classes = [CanView]

    @extend_schema(
        request=RuleSerializer,
        responses={200: PreviewSerializer, 503: _TIMED_OUT},
        summary="Count and sample what a rule selects now",
        tags=TAGS,
    )
    def post(self, request):
        payload = RuleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _check_references(payload.validated_data["rule"], request.user)
        result = _rule_errors(lambda: selectors.rule_preview(payload.validated_data["rule"]))
        return Response(PreviewSerializer(result).data)


class ImpactView(APIView):
    permission_classes = [capability_required("manage_segments")]

    @extend_schema(
        request=RuleSerializer,
        responses={200: ImpactSerializer, 503: _TIMED_OUT},
        summary="What saving a new rule would change (+entering, -leaving, samples)",
        tags=TAGS,
    )
    def post(self, request, pk: int):
        segment = _segment(pk, user=request.user, include_archived=False)  # unknown or hidden: 404 whatever the body
        payload = RuleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        _check_references(payload.validated_data["rule"], request.user)
        result = _rule_errors(lambda: selectors.rule_impact(segment, payload.validated_data["rule"]))
        return Response(ImpactSerializer(result).data)


class MembersView(ListAPIView):
    permission_classes = [CanView]
    serializer_class = ProfileListItemSerializer
    pagination_class = ProfilePagination

    @extend_schema(
        summary="Current members (keyset pagination, most recently seen first)",
        tags=TAGS,
        parameters=[OpenApiParameter("at", datetime, description="Members at this moment instead, from the ledger.")],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        segment = _segment(self.kwargs["pk"], user=self.request.user)
        at = self.request.query_params.get("at")
        if at:
            try:
                moment = datetime.fromisoformat(at.replace("Z", "+00:00"))
            except ValueError as error:
                raise ValidationError({"at": ["an ISO-8601 date-time"]}) from error
            if moment.tzinfo is None:
                raise ValidationError({"at": ["include a time zone (Z or +hh:mm)"]})
            return selectors.members_at(segment, moment)
        return selectors.segment_members(segment)


class LedgerPagination(KeysetPagination):
    field = "at"


class HistoryView(ListAPIView):
    permission_classes = [CanView]
    serializer_class = MembershipChangeSerializer
    pagination_class = LedgerPagination

    @extend_schema(summary="The membership ledger: who entered or left, when and why", tags=TAGS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.segment_history(_segment(self.kwargs["pk"], user=self.request.user))


class SizeView(APIView):
    permission_classes = [CanView]

    @extend_schema(
        responses=SizePointSerializer(many=True), summary="Size over time (per UTC day, from the ledger)", tags=TAGS
    )
    def get(self, request, pk: int):
        return Response(SizePointSerializer(selectors.size_over_time(_segment(pk, user=request.user)), many=True).data)


class VersionsView(APIView):
    permission_classes = [CanView]

    @extend_schema(responses=SegmentVersionSerializer(many=True), summary="Rule versions, newest first", tags=TAGS)
    def get(self, request, pk: int):
        return Response(
            SegmentVersionSerializer(
                _segment(pk, user=request.user).versions.select_related("created_by"), many=True
            ).data
        )


class ExplainView(APIView):
    permission_classes = [capability_required("view_segments", "view_profiles")]

    @extend_schema(responses=ExplainSerializer, summary="Why a profile is (or is not) in a segment", tags=TAGS)
    def get(self, request, pk: int, profile_id: int):
        segment = _segment(pk, user=request.user)
        profile = get_object_or_404(Profile, pk=profile_id)
        result = selectors.segment_explain(segment, profile)
        result["explanation"] = masked_view().explanation(result["explanation"])  # values of PII traits masked
        return Response(ExplainSerializer(result).data)
