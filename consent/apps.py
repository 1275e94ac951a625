from django.apps import AppConfig


class ConsentConfig(AppConfig):
    """Consent purposes and records, data subject requests, PII classification, retention."""

    name = "consent"
    verbose_name = "Consent & privacy"
