from django.apps import AppConfig


class IngestionConfig(AppConfig):
    """Sources, the Segment-compatible tracking API, the durable event store and its doorbell."""

    name = "ingestion"
    verbose_name = "Ingestion"
