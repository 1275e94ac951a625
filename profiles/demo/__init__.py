"""A seeded synthetic e-commerce population for demos: personas with planted behaviours and
months of Segment-spec events. Pure generation (no database writes): `load_demo_data` stores the
messages through the tracking pipeline and `simulate_traffic` plays live sessions over HTTP.

    for person, messages in population_messages(customers=150, days=90, seed=42, now=now): ...
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from profiles.demo.history import MIN_DAYS, history
from profiles.demo.personas import Person, Persona, persona_quotas, population

DEFAULT_CUSTOMERS = 20_000
DEFAULT_DAYS = 180
DEFAULT_SEED = 42
SOURCE_NAME = "Demo data"
SIMULATOR_SOURCE_NAME = "Traffic simulator"

__all__ = [
    "DEFAULT_CUSTOMERS",
    "DEFAULT_DAYS",
    "DEFAULT_SEED",
    "MIN_DAYS",
    "SIMULATOR_SOURCE_NAME",
    "SOURCE_NAME",
    "Person",
    "Persona",
    "history",
    "persona_quotas",
    "population",
    "population_messages",
]


def population_messages(*, customers: int, days: int, seed: int, now: datetime) -> Iterator[tuple[Person, list[dict]]]:
    """Each person of the population with their history (oldest message first)."""
    for person in population(customers, seed):
        yield person, history(person, days=days, now=now)
