"""Forms of the Sources pages. They translate what people type; services decide."""

from __future__ import annotations

from django import forms

from ingestion.constants import SourceKind
from ingestion.origins import EXAMPLE, parse_origins, split_origins


class OriginsField(forms.CharField):
    """Origins typed one per line, normalised to a list."""

    widget = forms.Textarea(attrs={"rows": 3, "placeholder": EXAMPLE, "spellcheck": "false"})

    def to_python(self, value):
        try:
            return parse_origins(split_origins(super().to_python(value)))
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc


class SourceCreateForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(attrs={"placeholder": "Web shop"}))
    kind = forms.ChoiceField(choices=SourceKind.CHOICES, initial=SourceKind.WEB)
    allowed_origins = OriginsField(
        required=False,
        label="Allowed origins",
        help_text="Websites that send events from the browser, one per line (scheme and host only).",
    )


class SourceOriginsForm(forms.Form):
    allowed_origins = OriginsField(required=False, label="Allowed origins")
