"""JSON for the audit log (read only)."""

from rest_framework import serializers

from audit.constants import AuditAction
from audit.models import AuditEntry


class AuditQuerySerializer(serializers.Serializer):
    actor = serializers.CharField(required=False, help_text="Actor label (username or api-key:<prefix>) prefix.")
    action = serializers.CharField(required=False, help_text='An action slug, or a prefix ending in "." (login.).')
    target_type = serializers.CharField(required=False)
    target_id = serializers.CharField(required=False)
    since = serializers.DateTimeField(required=False, help_text="At or after this time (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Before this time (ISO 8601).")


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_label")
    action = serializers.ChoiceField(choices=AuditAction.CHOICES)
    action_label = serializers.CharField()

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "action_label",
            "target_type",
            "target_id",
            "details",
            "ip_hash",
            "request_id",
        ]
        read_only_fields = fields
