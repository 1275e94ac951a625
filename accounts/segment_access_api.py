"""GET/PUT /api/v1/segments/{id}/access/: a segment's visibility and shares."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.constants import SegmentVisibility, ShareLevel
from accounts.permissions import capability_required
from accounts.segment_access import (
    segment_access_set,
    segment_can_edit,
    segment_can_share,
    segment_shares,
    segment_visibility,
)


class ShareSerializer(serializers.Serializer):
    user = serializers.CharField(required=False, help_text="A username.")
    role = serializers.CharField(required=False, help_text='A role name, e.g. "Marketer".')
    level = serializers.ChoiceField(choices=ShareLevel.CHOICES)


class SegmentAccessSerializer(serializers.Serializer):
    segment_id = serializers.IntegerField(read_only=True)
    owner = serializers.CharField(read_only=True, allow_null=True)
    visibility = serializers.ChoiceField(choices=SegmentVisibility.CHOICES, required=False)
    shares = ShareSerializer(many=True, required=False)
    can_edit = serializers.BooleanField(read_only=True)
    can_share = serializers.BooleanField(read_only=True)


def _visible_segment(request, pk: int):
    from segments.selectors import segment_list

    segment = segment_list(include_archived=True, viewer=request.user).filter(pk=pk).first()
    if segment is None:
        raise Http404("No segment with this id.")
    return segment


def _body(request, segment) -> dict:
    return {
        "segment_id": segment.pk,
        "owner": segment.owner.get_username() if segment.owner_id else None,
        "visibility": segment_visibility(segment),
        "shares": [
            {"user": s.user.get_username(), "level": s.level} if s.user_id else {"role": s.group.name, "level": s.level}
            for s in segment_shares(segment)
        ],
        "can_edit": segment_can_edit(request.user, segment),
        "can_share": segment_can_share(request.user, segment),
    }


class SegmentAccessView(APIView):
    permission_classes = [capability_required("view_segments")]

    @extend_schema(responses=SegmentAccessSerializer, summary="Who can see and edit a segment", tags=["segments"])
    def get(self, request, pk: int):
        segment = _visible_segment(request, pk)
        return Response(SegmentAccessSerializer(_body(request, segment)).data)

    @extend_schema(
        request=SegmentAccessSerializer,
        responses=SegmentAccessSerializer,
        summary="Change a segment's visibility and shares (owner or admin; audited)",
        description="`shares`, when given, replaces every share: each names a `user` (username) or a `role` "
        "(role name) with a `level` (`viewer` or `editor`).",
        tags=["segments"],
    )
    def put(self, request, pk: int):
        segment = _visible_segment(request, pk)
        if not segment_can_share(request.user, segment):
            raise PermissionDenied("Only the segment's owner or an admin can change who sees it.")
        payload = SegmentAccessSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        shares = None
        if "shares" in payload.validated_data:
            shares = []
            users = get_user_model().objects
            for n, share in enumerate(payload.validated_data["shares"]):
                if bool(share.get("user")) == bool(share.get("role")):
                    raise ValidationError({"shares": {n: ["name one user or one role"]}})
                if share.get("user"):
                    user = users.filter(username=share["user"], is_active=True).first()
                    if user is None:
                        raise ValidationError({"shares": {n: ["no such user"]}})
                    shares.append({"user": user, "level": share["level"]})
                else:
                    group = Group.objects.filter(name=share["role"]).first()
                    if group is None:
                        raise ValidationError({"shares": {n: ["no such role"]}})
                    shares.append({"group": group, "level": share["level"]})
        actor = request.user if getattr(request.user, "pk", None) else None
        segment_access_set(
            segment=segment, visibility=payload.validated_data.get("visibility"), shares=shares, actor=actor
        )
        return Response(SegmentAccessSerializer(_body(request, segment)).data)
