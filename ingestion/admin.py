"""Steward console for ingestion: sources (through the services) and read-only events/warnings."""

from django.contrib import admin

from cdp.admin import ReadOnlyAdmin
from ingestion.models import Event, IngestionWarning, Source
from ingestion.services import source_update
from pii.admin import PiiMaskedAdminMixin


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "enabled", "created_at"]
    list_filter = ["kind", "enabled"]
    search_fields = ["name"]
    readonly_fields = ["name", "kind", "write_key", "created_at"]
    fields = ["name", "kind", "write_key", "enabled", "allowed_origins", "created_at"]

    def has_add_permission(self, request):
        return False  # created in Sources (or `create_source`), which shows the snippet

    def save_model(self, request, obj, form, change):
        source_update(source=obj, enabled=obj.enabled, allowed_origins=obj.allowed_origins)


@admin.register(Event)
class EventAdmin(PiiMaskedAdminMixin, ReadOnlyAdmin):
    pii_json_fields = ("properties", "traits", "context")

    list_display = ["timestamp", "type", "name", "user_id", "anonymous_id", "source", "processed_at"]
    list_filter = ["type", "source"]
    search_fields = ["message_id", "user_id", "anonymous_id", "name"]
    show_full_result_count = False
    list_select_related = ["source"]


@admin.register(IngestionWarning)
class IngestionWarningAdmin(EventAdmin):
    list_display = ["created_at", "source", "code", "rejected", "message"]
    list_filter = ["code", "rejected", "source"]
    search_fields = ["message_id", "message"]
