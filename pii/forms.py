from django import forms

from pii.constants import Sensitivity
from pii.models import validate_key_pattern


class ClassificationForm(forms.Form):
    key = forms.CharField(
        max_length=255,
        validators=[validate_key_pattern],
        label="Trait key",
        help_text='A trait key (email), or a prefix with ".*" for everything under it (address.*).',
    )
    sensitivity = forms.ChoiceField(choices=Sensitivity.CHOICES, label="Sensitivity")
