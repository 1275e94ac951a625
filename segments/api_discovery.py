"""Schema discovery for the segment builder (docs/api.md#segment-builder-discovery): what rules can
name, as the data shows it, and observed values for autocomplete."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import capability_required
from segments import discovery

TAGS = ["segments"]
CanView = capability_required("view_segments")


class ValuesQuerySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["trait", "property", "metric"])
    key = serializers.CharField(max_length=255)
    event = serializers.CharField(max_length=255, required=False)
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=50, default=20)


class SchemaView(APIView):
    permission_classes = [CanView]

    @extend_schema(
        summary="What a rule can name: events seen, traits, metrics, segments, consent purposes",
        description=(
            "Events come most frequent first with their count and the last UTC day seen; traits are read "
            "from the most recently seen profiles with their observed types and top values. Cached for a few seconds."
        ),
        tags=TAGS,
        responses={200: dict},
    )
    def get(self, request):
        return Response(discovery.rule_schema(viewer=request.user))


class EventPropertiesView(APIView):
    permission_classes = [CanView]

    @extend_schema(
        summary="Property keys of an event, with observed types and top values",
        tags=TAGS,
        parameters=[OpenApiParameter("event", str, required=True, description="The event name as rules name it.")],
        responses={200: dict},
    )
    def get(self, request):
        name = (request.query_params.get("event") or "").strip()
        if not name:
            raise ValidationError({"event": ["an event name is required"]})
        return Response({"event": name, "properties": discovery.event_properties(name)})


class ValuesView(APIView):
    permission_classes = [CanView]

    @extend_schema(
        summary="Observed values of a trait, an event property or rfm_class, for autocomplete",
        tags=TAGS,
        parameters=[ValuesQuerySerializer],
        responses={200: dict},
    )
    def get(self, request):
        query = ValuesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if data["kind"] == "property" and not data.get("event"):
            raise ValidationError({"event": ["required for a property"]})
        values = discovery.value_suggestions(
            kind=data["kind"], key=data["key"], q=data["q"], event=data.get("event"), limit=data["limit"]
        )
        return Response({"values": values})
