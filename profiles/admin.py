"""Steward console for profiles: read-only data, editable profile settings."""

from django.contrib import admin

from cdp.admin import ReadOnlyAdmin
from pii.admin import PiiMaskedAdminMixin
from profiles.models import IdentityConflict, Profile, ProfileMerge, ProfileSettings
from profiles.services import profile_settings_update


@admin.register(Profile)
class ProfileAdmin(PiiMaskedAdminMixin, ReadOnlyAdmin):
    pii_json_fields = ("traits",)

    list_display = ["id", "last_seen", "events_count", "orders_count", "revenue_total", "rfm_class", "merged_into"]
    list_filter = ["rfm_class"]
    search_fields = ["identities__value"]
    show_full_result_count = False


@admin.register(ProfileMerge)
class ProfileMergeAdmin(PiiMaskedAdminMixin, ReadOnlyAdmin):
    pii_identity_fields = {"identities_moved": "identities_moved"}

    list_display = ["created_at", "survivor", "merged", "reason"]
    list_filter = ["reason"]


@admin.register(IdentityConflict)
class IdentityConflictAdmin(PiiMaskedAdminMixin, admin.ModelAdmin):
    pii_identity_fields = {"value": "kind"}

    list_display = ["created_at", "profile", "other_profile", "kind", "value", "resolved"]
    list_filter = ["resolved", "kind"]
    readonly_fields = ["profile", "other_profile", "kind", "value", "event", "created_at"]
    fields = [*readonly_fields, "resolved"]

    def has_add_permission(self, request):
        return False


@admin.register(ProfileSettings)
class ProfileSettingsAdmin(admin.ModelAdmin):
    """Identifier traits and purchase events. One row; saving goes through the service so that
    workers pick the change up."""

    fields = ["identifier_traits", "purchase_events"]

    def has_add_permission(self, request):
        return not ProfileSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        profile_settings_update(identifier_traits=obj.identifier_traits, purchase_events=obj.purchase_events)
