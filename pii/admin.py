"""Steward console: the PII classification, and the mixin that masks personal data in other
apps' admin pages (traits, event properties and context, identity values)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from pii.masking import pii_view
from pii.models import TraitClassification
from pii.services import classification_set


class PiiMaskedAdminMixin:
    """Shows the model's JSON fields named in `pii_json_fields` and the identity-like fields in
    `pii_identity_fields` ({field: kind field or fixed kind}) masked, for everyone: the console is
    not a way around masking. People with view_pii reveal a profile on its page (audited)."""

    pii_json_fields: tuple[str, ...] = ()
    pii_identity_fields: dict[str, str] = {}

    def _masked_names(self) -> dict[str, str]:
        return {f: f"masked_{f}" for f in (*self.pii_json_fields, *self.pii_identity_fields)}

    def get_fields(self, request, obj=None):
        names = self._masked_names()
        return [names.get(f, f) for f in super().get_fields(request, obj)]

    def get_readonly_fields(self, request, obj=None):
        names = self._masked_names()
        return [*(names.get(f, f) for f in super().get_readonly_fields(request, obj)), *names.values()]

    def get_list_display(self, request):
        names = self._masked_names()
        return [names.get(f, f) if isinstance(f, str) else f for f in super().get_list_display(request)]

    def __getattr__(self, name):
        if name.startswith("masked_"):
            field = name.removeprefix("masked_")
            if field in self.pii_json_fields:
                return _json_display(field)
            if field in self.pii_identity_fields:
                return _identity_display(field, self.pii_identity_fields[field])
        raise AttributeError(name)


def _json_display(field: str):
    def display(obj):
        value = pii_view().event_data(getattr(obj, field))
        return format_html("<pre>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False, default=str))

    display.short_description = field.replace("_", " ")
    return display


def _identity_display(field: str, kind_source: str):
    def display(obj):
        kind = getattr(obj, kind_source, kind_source)
        value = getattr(obj, field)
        if isinstance(value, list):
            masked = []
            for item in value:
                k, sep, v = str(item).partition("=")
                masked.append(f"{k}={pii_view().identity_value(k, v)}" if sep else item)
            return ", ".join(masked)
        return pii_view().identity_value(kind, value)

    display.short_description = field.replace("_", " ")
    return display


@admin.register(TraitClassification)
class TraitClassificationAdmin(admin.ModelAdmin):
    list_display = ["key", "sensitivity", "updated_at", "updated_by"]
    list_filter = ["sensitivity"]
    search_fields = ["key"]
    fields = ["key", "sensitivity"]

    def save_model(self, request, obj, form, change):
        classification_set(key=obj.key, sensitivity=obj.sensitivity, user=request.user)

    def has_delete_permission(self, request, obj=None):
        return False  # set a key to "normal" instead: the change is audited
