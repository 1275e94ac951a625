from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    """Live dashboards over profiles, segments and campaigns."""

    name = "dashboards"
    verbose_name = "Dashboards"
