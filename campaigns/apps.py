from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    """Campaigns to segments with A/B tests and holdouts, within consent."""

    name = "campaigns"
    verbose_name = "Campaigns"
