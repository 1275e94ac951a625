from django.apps import AppConfig


class CdpConfig(AppConfig):
    """Project-wide pieces that belong to no single app: health, API errors, realtime plumbing."""

    name = "cdp"
    verbose_name = "Shoal"
