from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Data subject requests (GDPR Art. 15-21), erasure with suppression, and event retention."""

    name = "privacy"
    verbose_name = "Privacy requests"

    def ready(self):
        from privacy import holders

        holders.register_builtin_holders()
