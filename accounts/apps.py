from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, **kwargs):
    from accounts.services import roles_ensure

    roles_ensure()


class AccountsConfig(AppConfig):
    """People and machines that use Shoal: users, roles, capabilities and API keys."""

    name = "accounts"
    verbose_name = "Accounts and access"

    def ready(self):
        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="accounts.roles_ensure")
