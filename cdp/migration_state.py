"""What post_migrate hooks may touch: a partial `migrate <app> <migration>` on a new database
sends post_migrate for every app before most tables exist."""

from __future__ import annotations


def models_migrated(apps, *labels: str) -> bool:
    """Whether every model ("app_label.Model") exists in the migrated state that post_migrate
    passes as `apps` (None when the signal was sent without one: the full registry)."""
    if apps is None:
        return True
    try:
        for label in labels:
            apps.get_model(label)
    except LookupError:
        return False
    return True
