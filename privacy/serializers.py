"""JSON for privacy requests. Translation only: services and selectors decide."""

from __future__ import annotations

from rest_framework import serializers

from privacy.constants import RequestKind
from privacy.models import DataSubjectRequest, ErasureWebhookEndpoint, RequestEvent, RetentionPolicy, Suppression
from privacy.selectors import mask_identifier


class RequestEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default=None)

    class Meta:
        model = RequestEvent
        fields = ["at", "actor", "action", "message", "details"]


class RequestSerializer(serializers.ModelSerializer):
    identifier_value = serializers.SerializerMethodField(
        help_text="Masked in lists, and without view_pii; empty once erased."
    )
    assignee = serializers.CharField(source="assignee.username", read_only=True, default=None)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta:
        model = DataSubjectRequest
        fields = [
            "id",
            "kind",
            "status",
            "identifier_kind",
            "identifier_value",
            "profile_id",
            "received_at",
            "due_at",
            "overdue",
            "completed_at",
            "assignee",
            "created_by",
            "notes",
        ]

    in_list = True  # lists mask for everyone; one request's detail shows it to view_pii

    def get_identifier_value(self, obj) -> str:
        return mask_identifier(obj.identifier_value, self.context["request"].user, in_list=self.in_list)


class RequestDetailSerializer(RequestSerializer):
    trail = RequestEventSerializer(many=True, read_only=True)
    in_list = False

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "evidence", "trail"]


class RequestCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.CHOICES)
    identifier_kind = serializers.CharField(
        max_length=64, help_text="email, user_id, anonymous_id, profile_id, or an identifier trait."
    )
    identifier_value = serializers.CharField(max_length=255)
    notes = serializers.CharField(required=False, allow_blank=True, default="")
    received_at = serializers.DateTimeField(required=False, help_text="When the request reached you (default: now).")


class RequestPatchSerializer(serializers.Serializer):
    assignee = serializers.CharField(required=False, allow_null=True, help_text="A username, or null to unassign.")
    notes = serializers.CharField(required=False, allow_blank=True)


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField(required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class EraseSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(help_text="Must be true: erasure cannot be undone.")


class RectifySerializer(serializers.Serializer):
    traits = serializers.DictField(help_text="Corrected traits; null removes a trait.")


class SuppressionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Suppression
        fields = ["id", "kind", "identifier_hash", "created_at", "request_id"]


class RetentionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RetentionPolicy
        fields = ["event_retention_days", "updated_at", "last_run_at", "last_run_cutoff", "last_run_deleted"]
        read_only_fields = ["updated_at", "last_run_at", "last_run_cutoff", "last_run_deleted"]
        extra_kwargs = {"event_retention_days": {"min_value": 1, "max_value": 36500, "allow_null": True}}


class WebhookEndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ErasureWebhookEndpoint
        fields = ["id", "name", "url", "enabled", "created_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
