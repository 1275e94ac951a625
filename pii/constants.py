"""Sensitivity levels of trait keys and the defaults a new workspace starts with."""

from __future__ import annotations


class Sensitivity:
    PII = "pii"  # identifies a person: masked keeping its shape (a•••@e•••.com)
    SENSITIVE = "sensitive"  # special-category or confidential: hidden completely (•••)
    NORMAL = "normal"  # shown to everyone who may see profiles
    CHOICES = [(PII, "PII"), (SENSITIVE, "Sensitive"), (NORMAL, "Normal")]
    MASKED = (PII, SENSITIVE)


# Trait keys classified as PII on a new workspace (the steward can change every one). "x.*"
# covers the key x itself and every key nested under it (address.city, address.street…).
DEFAULT_PII_KEYS = (
    "email",
    "phone",
    "name",
    "first_name",
    "last_name",
    "firstName",
    "lastName",
    "address.*",
    "ip",
    "birthday",
)

MASK = "•••"
# How long a reveal on the profile page lasts (per profile, per browser session).
REVEAL_SECONDS_DEFAULT = 300
CLASSIFICATION_CACHE_SECONDS = 300  # in the shared cache; every change drops it
