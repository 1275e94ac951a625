from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    """Real-time dynamic segments: rules, membership and its ledger."""

    name = "segments"
    verbose_name = "Segments"

    def ready(self):
        from profiles import hooks
        from segments import engine

        hooks.subscribe_in_transaction(engine.profiles_applied)
