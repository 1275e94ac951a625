"""Forms of the privacy pages (thin: the services validate)."""

from __future__ import annotations

from django import forms

from privacy.constants import RequestKind


class RequestCreateForm(forms.Form):
    kind = forms.ChoiceField(choices=RequestKind.CHOICES, label="Request type")
    identifier_kind = forms.ChoiceField(label="Identified by")
    identifier_value = forms.CharField(
        max_length=255, label="Identifier", help_text="As the person gave it, e.g. their email."
    )
    received_at = forms.DateField(
        required=False,
        label="Received on",
        help_text="Empty: today. The due date is one calendar month later.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    notes = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="No personal data here, please."
    )

    def __init__(self, *args, identifier_kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["identifier_kind"].choices = list(identifier_kinds)


class RetentionForm(forms.Form):
    event_retention_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=36500,
        label="Keep raw events for (days)",
        help_text="Empty: keep forever. Profile metrics and daily counts are kept whatever you choose.",
    )


class WebhookEndpointForm(forms.Form):
    name = forms.CharField(max_length=100)
    url = forms.URLField(max_length=500, label="URL", assume_scheme="https")
