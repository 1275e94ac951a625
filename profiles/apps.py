from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    """Unified customer profiles: identities, traits, computed metrics and events."""

    name = "profiles"
    verbose_name = "Profiles"
