"""Translation between sources, warnings and JSON. No decisions here: services decide."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ingestion.constants import SourceKind, WarningCode
from ingestion.models import IngestionWarning, Source
from ingestion.origins import parse_origins
from ingestion.stats import SourceCounts


class SourceKindField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=SourceKind.CHOICES, **kwargs)


class OriginListField(serializers.ListField):
    """A list of browser origins, normalised (https://shop.example.com)."""

    child = serializers.CharField(max_length=300)

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        try:
            return parse_origins(values)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from exc


class SourceCountsSerializer(serializers.Serializer):
    last_hour = serializers.IntegerField(help_text="Events received in the last hour.")
    last_24h = serializers.IntegerField(help_text="Events received in the last 24 hours.")
    total = serializers.IntegerField(help_text="Events received since the source was created.")
    last_event_at = serializers.DateTimeField(allow_null=True, help_text="When the newest event was received.")


class SourceSerializer(serializers.ModelSerializer):
    kind = SourceKindField()
    kind_label = serializers.CharField(source="get_kind_display")
    allowed_origins = serializers.ListField(child=serializers.CharField())
    events = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = ["id", "name", "kind", "kind_label", "enabled", "allowed_origins", "created_at", "events"]
        read_only_fields = fields

    @extend_schema_field(SourceCountsSerializer)
    def get_events(self, source: Source) -> dict:
        counts = self.context.get("counts", {}).get(source.pk, SourceCounts())
        return SourceCountsSerializer(counts).data


class SourceDetailSerializer(SourceSerializer):
    write_key = serializers.CharField(help_text="Sent by SDKs as the Basic-auth user name or `writeKey`.")

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "write_key"]
        read_only_fields = fields


class SourceCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = SourceKindField()
    allowed_origins = OriginListField(
        required=False, default=list, help_text="Browser origins allowed to send events (CORS)."
    )


class SourceUpdateSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False, help_text="A disabled source's key is refused (404).")
    allowed_origins = OriginListField(required=False, help_text="Replaces the list of allowed browser origins.")


class WarningSerializer(serializers.ModelSerializer):
    source_name = serializers.CharField(source="source.name", default=None, allow_null=True)
    code = serializers.ChoiceField(choices=WarningCode.CHOICES)
    code_label = serializers.CharField(source="get_code_display")

    class Meta:
        model = IngestionWarning
        fields = [
            "id",
            "created_at",
            "source",
            "source_name",
            "code",
            "code_label",
            "rejected",
            "message",
            "message_id",
            "event_type",
            "excerpt",
        ]
        read_only_fields = fields


class WarningQuerySerializer(serializers.Serializer):
    source = serializers.IntegerField(required=False, help_text="Only this source's warnings.")
    code = serializers.ChoiceField(choices=WarningCode.CHOICES, required=False)
    rejected = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="true: dropped events; false: kept with a change."
    )
