"""Translation between consent and JSON. No decisions here: services and selectors decide."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consent.constants import Channel, ConsentSource, ConsentState, DecisionReason, ObjectionAction
from consent.models import ActivationCheck, ConsentCategoryMapping, ConsentRecord, ObjectionRecord, Purpose


class PurposeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Purpose
        fields = ["slug", "name", "description", "legal_text_version", "is_marketing", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class PurposePatchSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    legal_text_version = serializers.CharField(max_length=32, required=False)
    is_marketing = serializers.BooleanField(required=False)


class CategoryMappingSerializer(serializers.ModelSerializer):
    purpose = serializers.SlugRelatedField(slug_field="slug", queryset=Purpose.objects.all())

    class Meta:
        model = ConsentCategoryMapping
        fields = ["id", "category", "purpose", "created_at"]
        read_only_fields = ["id", "created_at"]


class EvidenceInputSerializer(serializers.Serializer):
    policy_version = serializers.CharField(max_length=64, required=False, allow_blank=True)
    collection_point = serializers.CharField(max_length=200, required=False, allow_blank=True)
    ip = serializers.IPAddressField(
        required=False, allow_null=True, help_text="The person's IP address: stored only as a keyed hash."
    )
    user_agent = serializers.CharField(max_length=1000, required=False, allow_blank=True, allow_null=True)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "enum": ConsentState.values},
            {"type": "boolean"},
        ]
    }
)
class ConsentStateField(serializers.Field):
    """A state ("granted", "denied", "withdrawn") or a boolean: true is granted, false is
    withdrawn when the person had granted, else denied."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or data in ConsentState.values:
            return data
        raise serializers.ValidationError(f"use true, false or one of {', '.join(ConsentState.values)}")

    def to_representation(self, value):
        return value


class ConsentPutSerializer(serializers.Serializer):
    purposes = serializers.DictField(
        child=ConsentStateField(),
        required=False,
        help_text='Purpose slug → state or boolean, e.g. {"email_marketing": "withdrawn", "analytics": true}.',
    )
    objected = serializers.BooleanField(
        required=False, help_text="Objection to direct marketing (GDPR Art. 21): blocks every marketing purpose."
    )
    occurred_at = serializers.DateTimeField(required=False, help_text="When the person said it (default: now).")
    evidence = EvidenceInputSerializer(required=False)

    def validate(self, attrs):
        if not attrs.get("purposes") and "objected" not in attrs:
            raise serializers.ValidationError("give `purposes`, `objected` or both")
        return attrs


class PurposeStateSerializer(serializers.Serializer):
    purpose = serializers.CharField(source="purpose.slug")
    name = serializers.CharField(source="purpose.name")
    is_marketing = serializers.BooleanField(source="purpose.is_marketing")
    legal_text_version = serializers.CharField(source="purpose.legal_text_version")
    state = serializers.ChoiceField(choices=ConsentState.choices, allow_null=True, help_text="null: nothing recorded")
    granted = serializers.BooleanField(
        source="effective", help_text="What segments and activation use: granted and not blocked by an objection."
    )
    occurred_at = serializers.DateTimeField(allow_null=True)
    source = serializers.ChoiceField(choices=ConsentSource.choices, allow_null=True)


class ConsentStateSerializer(serializers.Serializer):
    profile_id = serializers.IntegerField()
    requested_id = serializers.IntegerField()
    objected = serializers.BooleanField(help_text="Objects to direct marketing.")
    objection_since = serializers.DateTimeField(allow_null=True)
    purposes = PurposeStateSerializer(many=True)


class ConsentRecordSerializer(serializers.ModelSerializer):
    purpose = serializers.CharField(source="purpose.slug")
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ConsentRecord
        fields = ["id", "purpose", "state", "source", "occurred_at", "recorded_at", "evidence", "actor", "event"]

    def get_evidence(self, record) -> dict:
        return _evidence(record.evidence, self.context.get("view_pii", False))


class ObjectionRecordSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=ObjectionAction.choices)
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ObjectionRecord
        fields = ["id", "action", "source", "occurred_at", "recorded_at", "evidence", "actor"]

    def get_evidence(self, record) -> dict:
        return _evidence(record.evidence, self.context.get("view_pii", False))


class ActivationCheckSerializer(serializers.ModelSerializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    reason = serializers.ChoiceField(choices=DecisionReason.choices)

    class Meta:
        model = ActivationCheck
        fields = ["id", "purpose", "channel", "allowed", "reason", "state_used", "context", "checked_at"]


class DecideSerializer(serializers.Serializer):
    profile_id = serializers.IntegerField()
    purpose = serializers.SlugField(max_length=64)
    channel = serializers.ChoiceField(choices=Channel.choices)
    context = serializers.DictField(
        required=False, help_text="Your references (campaign, message…), kept with the check."
    )


class DecisionSerializer(serializers.Serializer):
    allowed = serializers.BooleanField()
    reason = serializers.ChoiceField(choices=DecisionReason.choices)
    state_used = serializers.DictField()
    check_id = serializers.IntegerField()


def _evidence(evidence: dict, view_pii: bool) -> dict:
    """Evidence as shown: the user agent is personal data (masked without view_pii); the IP is
    only ever a hash."""
    shown = dict(evidence or {})
    if not view_pii and shown.get("user_agent"):
        shown["user_agent"] = "•••"
    return shown
