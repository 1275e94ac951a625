from django.apps import AppConfig


class SegmentsConfig(AppConfig):
    """Real-time dynamic segments: rules, membership and its ledger."""

    name = "segments"
    verbose_name = "Segments"

    def ready(self):
        from profiles import hooks
        from segments import pending

        hooks.subscribe_in_transaction(pending.profiles_applied)
        hooks.subscribe_after_batches(pending.pending_evaluate)
