from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The append-only audit log: who did what, when, from where (hashed), to what."""

    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        from audit import receivers

        receivers.connect()
