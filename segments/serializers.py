"""JSON for segments. Translation only: services and selectors decide."""

from rest_framework import serializers

from profiles.serializers import ProfileListItemSerializer
from segments.models import MembershipChange, Segment, SegmentVersion


class SegmentSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", read_only=True, default=None)

    class Meta:
        model = Segment
        fields = [
            "id",
            "name",
            "description",
            "rule",
            "version",
            "status",
            "owner",
            "member_count",
            "evaluation",
            "evaluation_progress",
            "evaluated_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [f for f in fields if f not in ("name", "description", "rule")]


class SegmentWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    rule = serializers.JSONField(help_text="A rule tree (docs/rules.md).")


class SegmentPatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    rule = serializers.JSONField(required=False)


class RuleSerializer(serializers.Serializer):
    rule = serializers.JSONField(help_text="A rule tree (docs/rules.md).")


class PreviewSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    sample = ProfileListItemSerializer(many=True)


class ImpactSerializer(serializers.Serializer):
    entering = serializers.IntegerField()
    leaving = serializers.IntegerField()
    entering_sample = ProfileListItemSerializer(many=True)
    leaving_sample = ProfileListItemSerializer(many=True)


class MembershipChangeSerializer(serializers.ModelSerializer):
    change = serializers.SerializerMethodField()
    event_message_id = serializers.CharField(source="event.message_id", read_only=True, default=None)

    class Meta:
        model = MembershipChange
        fields = ["id", "profile_id", "change", "at", "cause", "event_id", "event_message_id", "version"]
        read_only_fields = fields

    def get_change(self, change: MembershipChange) -> str:
        return "entered" if change.entered else "exited"


class SegmentVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = SegmentVersion
        fields = ["version", "rule", "created_by", "created_at"]
        read_only_fields = fields


class SizePointSerializer(serializers.Serializer):
    day = serializers.DateField()
    size = serializers.IntegerField()
    entered = serializers.IntegerField()
    exited = serializers.IntegerField()


class ExplainSerializer(serializers.Serializer):
    segment_id = serializers.IntegerField()
    profile_id = serializers.IntegerField()
    member = serializers.BooleanField()
    evaluated_at = serializers.DateTimeField()
    explanation = serializers.JSONField(help_text="The rule tree with, per node, whether it held and the values seen.")
    last_change = MembershipChangeSerializer(allow_null=True)
