"""Forms of the consent pages (validation only; services decide)."""

from __future__ import annotations

from django import forms

from consent.constants import ConsentState
from consent.models import Purpose


class PurposeForm(forms.ModelForm):
    class Meta:
        model = Purpose
        fields = ["slug", "name", "description", "legal_text_version", "is_marketing"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["slug"].disabled = True  # rules and integrations refer to it


class MappingForm(forms.Form):
    category = forms.CharField(max_length=100, help_text="As sent in context.consent.categoryPreferences.")
    purpose = forms.ModelChoiceField(queryset=Purpose.objects.order_by("name"), to_field_name="slug")


class RecordConsentForm(forms.Form):
    purpose = forms.ModelChoiceField(queryset=Purpose.objects.order_by("name"), to_field_name="slug")
    state = forms.ChoiceField(choices=ConsentState.choices)
    collection_point = forms.CharField(
        max_length=200, required=False, help_text="Where the person said it: phone call, support ticket #…"
    )


class ObjectionForm(forms.Form):
    objected = forms.TypedChoiceField(choices=[("1", "Objects"), ("0", "Lift objection")], coerce=lambda v: v == "1")
    collection_point = forms.CharField(max_length=200, required=False)
