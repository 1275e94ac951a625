"""The audit log's filters (page, CSV export and API share them)."""

from __future__ import annotations

from django import forms

from audit.constants import AuditAction


class AuditFilterForm(forms.Form):
    actor = forms.CharField(required=False, max_length=150, label="Actor")
    action = forms.ChoiceField(required=False, label="Action", choices=[("", "All actions"), *AuditAction.CHOICES])
    target_type = forms.CharField(required=False, max_length=64, label="Target type")
    target_id = forms.CharField(required=False, max_length=64, label="Target id")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict:
        """The valid filters, without empty ones (call after is_valid)."""
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
