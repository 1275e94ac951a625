"""Workspace profile settings (identifier traits, purchase events), cached briefly per process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from profiles.constants import DEFAULT_IDENTIFIER_TRAITS, DEFAULT_PURCHASE_EVENTS

CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class ProfileConfig:
    identifier_traits: tuple[str, ...]
    purchase_events: frozenset[str]


_cached: tuple[float, ProfileConfig] | None = None


def profile_config() -> ProfileConfig:
    global _cached
    now = time.monotonic()
    if _cached is not None and now - _cached[0] < CACHE_SECONDS:
        return _cached[1]
    from profiles.models import ProfileSettings

    row = ProfileSettings.objects.filter(pk=1).first()
    identifier_traits = tuple(row.identifier_traits if row and row.identifier_traits else DEFAULT_IDENTIFIER_TRAITS)
    purchase_events = frozenset(row.purchase_events if row and row.purchase_events else DEFAULT_PURCHASE_EVENTS)
    config = ProfileConfig(
        identifier_traits=tuple(k for k in identifier_traits if k != "email"), purchase_events=purchase_events
    )
    _cached = (now, config)
    return config


def forget_profile_config() -> None:
    global _cached
    _cached = None
