from rest_framework import serializers

from pii.constants import Sensitivity
from pii.models import TraitClassification


class ClassificationSerializer(serializers.ModelSerializer):
    updated_by = serializers.CharField(source="updated_by.username", default=None, read_only=True)

    class Meta:
        model = TraitClassification
        fields = ["key", "sensitivity", "updated_at", "updated_by"]
        read_only_fields = ["updated_at", "updated_by"]


class ClassificationWriteSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=255, help_text='A trait key, or "prefix.*".')
    sensitivity = serializers.ChoiceField(choices=Sensitivity.CHOICES)


class RevealedIdentitySerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    first_seen = serializers.DateTimeField()


class RevealSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    display_name = serializers.CharField()
    identities = RevealedIdentitySerializer(many=True)
    traits = serializers.DictField(child=serializers.JSONField())
