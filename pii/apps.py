from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_defaults(sender, apps=None, **kwargs):
    from cdp.migration_state import models_migrated
    from pii.services import classification_ensure_defaults

    if models_migrated(apps, "pii.TraitClassification"):
        classification_ensure_defaults()


class PiiConfig(AppConfig):
    """PII classification of trait keys and the one place values are masked."""

    name = "pii"
    verbose_name = "Personal data (PII)"

    def ready(self):
        post_migrate.connect(_ensure_defaults, sender=self, dispatch_uid="pii.ensure_defaults")
