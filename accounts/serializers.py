"""Translation between JSON and accounts objects. No decisions here: services decide."""

from rest_framework import serializers

from accounts.constants import CAPABILITY_CHOICES, ROLE_CHOICES
from accounts.models import ApiKey


class MeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["user", "api_key"])
    name = serializers.CharField()
    role = serializers.CharField()
    capabilities = serializers.ListField(child=serializers.ChoiceField(choices=CAPABILITY_CHOICES))


class ApiKeySerializer(serializers.ModelSerializer):
    role = serializers.CharField(source="role.name", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiKey
        fields = [
            "id",
            "name",
            "prefix",
            "role",
            "scopes",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        ]
        read_only_fields = fields


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=ROLE_CHOICES)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=CAPABILITY_CHOICES), required=False, default=list
    )


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(read_only=True, help_text="The secret. Shown only in this response.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*ApiKeySerializer.Meta.fields, "key"]
        read_only_fields = fields
