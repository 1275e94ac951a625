from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, apps=None, **kwargs):
    from accounts.services import roles_ensure
    from cdp.migration_state import models_migrated

    if models_migrated(apps, "contenttypes.ContentType", "auth.Permission", "auth.Group"):
        roles_ensure()


class AccountsConfig(AppConfig):
    """People and machines that use Shoal: users, roles, capabilities and API keys."""

    name = "accounts"
    verbose_name = "Accounts and access"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from accounts.lockout import clear_on_sign_in

        post_migrate.connect(_ensure_roles, sender=self, dispatch_uid="accounts.roles_ensure")
        user_logged_in.connect(clear_on_sign_in, dispatch_uid="accounts.lockout_clear")
        from accounts.middleware import mark_signed_in

        user_logged_in.connect(mark_signed_in, dispatch_uid="accounts.session_clocks")
