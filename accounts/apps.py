from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People and machines that use Shoal: users, roles, capabilities and API keys."""

    name = "accounts"
    verbose_name = "Accounts and access"
