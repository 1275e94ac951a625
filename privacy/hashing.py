"""Keyed hashes of identifiers: what the suppression list and the evidence hold instead of the
identifiers themselves.

hash = HMAC-SHA256(PRIVACY_HASH_KEY, kind + ":" + normalized value), hex. Normalised the way the
pipeline stores identities (profiles.pipeline.identifiers_of): email trimmed and lower-cased,
identifier traits trimmed, userId and anonymousId as sent.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

from profiles.constants import IdentityKind


def normalize_identifier(kind: str, value) -> str:
    text = str(value)
    if kind == IdentityKind.EMAIL:
        return text.strip().lower()
    if kind in (IdentityKind.USER_ID, IdentityKind.ANONYMOUS_ID):
        return text
    return text.strip()


def identifier_hash(kind: str, value) -> str:
    return _hash(settings.PRIVACY_HASH_KEY, f"{kind}:{normalize_identifier(kind, value)}")


@lru_cache(maxsize=65536)
def _hash(key: str, message: str) -> str:
    """Memoised: the tracking path sees the same userId / anonymousId again and again."""
    return hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest()
