from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    """Real-time dynamic segments: rules, membership and its ledger."""

    name = "segments"
    verbose_name = "Segments"
