"""Steward console for consent: read-only (records are append-only evidence; purposes and the
category mapping are edited on the Consent & privacy pages, whose services keep segments current)."""

from django.contrib import admin

from cdp.admin import ReadOnlyAdmin
from consent.models import ActivationCheck, ConsentCategoryMapping, ConsentRecord, ObjectionRecord, Purpose


@admin.register(Purpose)
class PurposeAdmin(ReadOnlyAdmin):
    list_display = ["slug", "name", "legal_text_version", "is_marketing", "updated_at"]


@admin.register(ConsentCategoryMapping)
class ConsentCategoryMappingAdmin(ReadOnlyAdmin):
    list_display = ["category", "purpose", "created_at"]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "profile", "purpose", "state", "source", "recorded_at"]
    list_filter = ["state", "source", "purpose"]
    raw_id_fields = ["profile", "event", "actor"]
    show_full_result_count = False


@admin.register(ObjectionRecord)
class ObjectionRecordAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "profile", "action", "source"]
    list_filter = ["action", "source"]
    raw_id_fields = ["profile", "actor"]


@admin.register(ActivationCheck)
class ActivationCheckAdmin(ReadOnlyAdmin):
    list_display = ["checked_at", "profile", "purpose", "channel", "allowed", "reason"]
    list_filter = ["allowed", "channel", "reason"]
    raw_id_fields = ["profile"]
    show_full_result_count = False
