"""Translation between profiles and JSON. No decisions here: selectors and services decide."""

from __future__ import annotations

from types import SimpleNamespace

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ingestion.constants import EVENT_TYPES
from ingestion.models import Event
from pii.masking import PiiView, pii_view
from profiles.constants import RFM_CLASS_NAMES, MergeReason
from profiles.models import Identity, IdentityConflict, Profile, ProfileMerge, TraitChange
from profiles.selectors import primary_identifiers


class RfmClassField(serializers.ChoiceField):
    """An RFM class name or null (people without orders have none)."""

    def __init__(self, **kwargs):
        super().__init__(choices=RFM_CLASS_NAMES, allow_null=True, **kwargs)


class ProfileListQuerySerializer(serializers.Serializer):
    user_id = serializers.CharField(required=False, help_text="Exact user id.")
    anonymous_id = serializers.CharField(required=False, help_text="Exact anonymous id.")
    email = serializers.CharField(required=False, help_text="Exact email, ignoring case.")
    q = serializers.CharField(
        required=False,
        help_text=(
            "Search: identity values (user id, anonymous id, email, identifier traits) starting with q; "
            "the traits name, first_name, last_name and email starting with q (ignoring case); "
            "or the profile id when q is a number."
        ),
    )


def _pii(serializer) -> PiiView:
    """The serializer context's PiiView (`context["pii"]`); masked when none is given (fail closed)."""
    root = serializer.root if serializer.parent is not None else serializer
    context = root.context if hasattr(root, "context") else {}
    view = context.get("pii")
    if view is None:
        view = pii_view(reveal=False)
        if isinstance(context, dict):
            context["pii"] = view
    return view


class ProfileListItemSerializer(serializers.ModelSerializer):
    """A profile in a list. Personal data masked by the context's PiiView (masked by default)."""

    display_name = serializers.SerializerMethodField()
    user_id = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    anonymous_id = serializers.SerializerMethodField(help_text="The first anonymous id seen, if any.")
    rfm_class = serializers.SerializerMethodField()

    class Meta:
        model = Profile
        fields = [
            "id",
            "display_name",
            "user_id",
            "email",
            "anonymous_id",
            "first_seen",
            "last_seen",
            "events_count",
            "orders_count",
            "revenue_total",
            "rfm_class",
        ]
        read_only_fields = fields

    def _ids(self, profile: Profile) -> dict:
        cache = self.context.setdefault("_identifiers", {})
        if profile.pk not in cache:
            cache[profile.pk] = _pii(self).identifiers(primary_identifiers(profile))
        return cache[profile.pk]

    def get_display_name(self, profile: Profile) -> str:
        return _pii(self).display_name(profile)

    def get_user_id(self, profile: Profile) -> str | None:
        return self._ids(profile)["user_id"]

    def get_email(self, profile: Profile) -> str | None:
        return self._ids(profile)["email"]

    def get_anonymous_id(self, profile: Profile) -> str | None:
        return self._ids(profile)["anonymous_id"]

    @extend_schema_field(RfmClassField)
    def get_rfm_class(self, profile: Profile) -> str | None:
        return profile.rfm_class or None


class IdentitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Identity
        fields = ["kind", "value", "first_seen"]
        read_only_fields = fields


# "class" is a Python keyword, so this serializer is built with type().
RfmSerializer = type(
    "RfmSerializer",
    (serializers.Serializer,),
    {
        "recency": serializers.IntegerField(allow_null=True, min_value=1, max_value=5),
        "frequency": serializers.IntegerField(allow_null=True, min_value=1, max_value=5),
        "monetary": serializers.IntegerField(allow_null=True, min_value=1, max_value=5),
        "class": RfmClassField(help_text="RFM class; null for people without orders."),
    },
)


class MetricsSerializer(serializers.Serializer):
    first_seen = serializers.DateTimeField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)
    days_since_last_seen = serializers.IntegerField(allow_null=True)
    events_count = serializers.IntegerField()
    sessions_count = serializers.IntegerField()
    page_views_count = serializers.IntegerField()
    orders_count = serializers.IntegerField()
    revenue_total = serializers.DecimalField(max_digits=18, decimal_places=4)
    avg_order_value = serializers.DecimalField(max_digits=18, decimal_places=4, allow_null=True)
    first_order_at = serializers.DateTimeField(allow_null=True)
    last_order_at = serializers.DateTimeField(allow_null=True)
    days_since_last_order = serializers.IntegerField(allow_null=True)
    rfm = RfmSerializer()


class WindowCountsSerializer(serializers.Serializer):
    last_1d = serializers.IntegerField()
    last_7d = serializers.IntegerField()
    last_30d = serializers.IntegerField()
    last_90d = serializers.IntegerField()
    total = serializers.IntegerField()


class MergeSerializer(serializers.ModelSerializer):
    merged_profile_id = serializers.IntegerField(source="merged_id")
    into_profile_id = serializers.IntegerField(source="survivor_id", help_text="The profile it was merged into then.")
    reason = serializers.ChoiceField(choices=MergeReason.CHOICES)
    reason_label = serializers.CharField(source="get_reason_display")
    event_message_id = serializers.CharField(source="event.message_id", default=None, allow_null=True)
    merged_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = ProfileMerge
        fields = [
            "merged_profile_id",
            "into_profile_id",
            "reason",
            "reason_label",
            "identities_moved",
            "event_message_id",
            "merged_at",
        ]
        read_only_fields = fields


class ConflictSerializer(serializers.ModelSerializer):
    other_profile_id = serializers.SerializerMethodField()
    event_message_id = serializers.CharField(source="event.message_id", default=None, allow_null=True)

    class Meta:
        model = IdentityConflict
        fields = ["id", "other_profile_id", "kind", "value", "event_message_id", "created_at"]
        read_only_fields = fields

    def get_other_profile_id(self, conflict: IdentityConflict) -> int:
        this = self.context.get("profile_id")
        return conflict.profile_id if conflict.other_profile_id == this else conflict.other_profile_id


class TraitChangeSerializer(serializers.ModelSerializer):
    class Meta:
        model = TraitChange
        fields = ["key", "old_value", "new_value", "changed_at"]
        read_only_fields = fields

    def to_representation(self, change):
        data = super().to_representation(change)
        view = _pii(self)
        data["old_value"] = view.value(change.key, data["old_value"])
        data["new_value"] = view.value(change.key, data["new_value"])
        return data


class ProfileSegmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    since = serializers.DateTimeField(help_text="When the profile entered the segment.")


class ProfileDetailSerializer(serializers.Serializer):
    """The 360° view. Built from a dict assembled by the API view from selectors; personal data
    masked by the context's PiiView (masked by default)."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        view = _pii(self)
        if not view.reveal:
            person = SimpleNamespace(traits=instance.get("traits") or {}, pk=instance.get("id"))
            data["display_name"] = view.display_name(person, instance.get("identities", []))
        data["traits"] = view.traits(data.get("traits"))
        data["identities"] = [
            {**identity, "value": view.identity_value(identity["kind"], identity["value"])}
            for identity in data.get("identities", [])
        ]
        data["conflicts"] = [
            {**conflict, "value": view.identity_value(conflict["kind"], conflict["value"])}
            for conflict in data.get("conflicts", [])
        ]
        data["merges"] = [
            {**merge, "identities_moved": [_mask_identity_label(view, label) for label in merge["identities_moved"]]}
            for merge in data.get("merges", [])
        ]
        return data

    id = serializers.IntegerField(help_text="The live profile's id.")
    requested_id = serializers.IntegerField(help_text="The id in the URL (differs from id after a merge).")
    merged_into = serializers.IntegerField(
        allow_null=True, help_text="Set when requested_id was merged: the id of the profile it now belongs to."
    )
    display_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    identities = IdentitySerializer(many=True)
    traits = serializers.DictField(child=serializers.JSONField())
    trait_timestamps = serializers.DictField(
        child=serializers.CharField(allow_null=True), help_text="When each trait was last set (event time)."
    )
    metrics = MetricsSerializer()
    event_counts = serializers.DictField(
        child=WindowCountsSerializer(),
        help_text="Per event name (page views as 'Page Viewed'): counts in the last 1/7/30/90 days and in total.",
    )
    merges = MergeSerializer(many=True, help_text="Profiles merged into this one, newest first.")
    conflicts = ConflictSerializer(many=True, help_text="Open identity conflicts (not merged: two user ids).")
    trait_history = TraitChangeSerializer(many=True, help_text="The newest 50 trait changes.")
    segments = ProfileSegmentSerializer(many=True, help_text="Active segments the profile is in now, newest first.")


class EventQuerySerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=EVENT_TYPES, required=False)
    name = serializers.CharField(required=False, help_text="Exact event name (track) or page/screen name.")
    since = serializers.DateTimeField(required=False, help_text="Events at or after this time (ISO 8601).")
    until = serializers.DateTimeField(required=False, help_text="Events before this time (ISO 8601).")


def _mask_identity_label(view: PiiView, label):
    """A "kind=value" (or {"kind", "value"}) record of a moved identity, value masked."""
    if isinstance(label, dict) and "kind" in label:
        return {**label, "value": view.identity_value(label["kind"], label.get("value"))}
    if isinstance(label, str) and "=" in label:
        kind, _, value = label.partition("=")
        return f"{kind}={view.identity_value(kind, value)}"
    return label


class EventSerializer(serializers.ModelSerializer):
    """An event; properties, traits and context masked by the context's PiiView."""

    source = serializers.CharField(source="source.name", help_text="The source's name.")

    def to_representation(self, event):
        data = super().to_representation(event)
        view = _pii(self)
        for part in ("properties", "traits", "context"):
            data[part] = view.event_data(data.get(part))
        return data

    class Meta:
        model = Event
        fields = [
            "id",
            "message_id",
            "type",
            "name",
            "properties",
            "traits",
            "context",
            "timestamp",
            "received_at",
            "source",
        ]
        read_only_fields = fields
