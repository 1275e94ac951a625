"""Sign-in throttling that holds under concurrent attempts.

django-axes counts failures after each password check, so attempts sent at the same moment all
pass its "is this locked?" test before any failure is counted: 8 parallel guesses were 8
password checks. This backend runs before the password check and reserves one attempt on an
atomic counter (Redis INCR in the full stack, a locked counter in-process when embedded) per
username and client address; past LOGIN_FAILURE_LIMIT attempts within LOGIN_LOCKOUT_MINUTES it
refuses to go on, so no more than the limit of passwords is ever checked. A successful sign-in
clears the counter. axes still records every failure and shows the lockout page.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

KEY_PREFIX = "login-attempts:"


def attempts_key(username: str, ip: str) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}\x00{ip}".encode()).hexdigest()[:32]
    return KEY_PREFIX + digest


def _client_ip(request) -> str:
    from axes.helpers import get_client_ip_address

    return (get_client_ip_address(request) or "") if request is not None else ""


def attempt_reserve(*, username: str, request) -> int:
    """Count one more attempt; returns how many this window has seen (this one included)."""
    key = attempts_key(username, _client_ip(request))
    timeout = int(settings.AXES_COOLOFF_TIME.total_seconds())
    cache.add(key, 0, timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout)
        return 1


def attempts_clear(*, username: str, request) -> None:
    cache.delete(attempts_key(username, _client_ip(request)))


class ConcurrentAttemptsBackend:
    """An authentication backend that authenticates nobody: it only stops the chain (before
    ModelBackend checks the password) once the attempts exceed the limit."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or request is None:
            return None
        if attempt_reserve(username=username, request=request) > settings.AXES_FAILURE_LIMIT:
            raise PermissionDenied("too many sign-in attempts")
        return None

    # No get_user(): a session never belongs to this backend (and Django's test client picks the
    # first backend that has one for force_login).


def clear_on_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None:
        attempts_clear(username=user.get_username(), request=request)


def forget_all_attempts() -> None:
    """Clear every attempt counter (tests start from a clean slate; an admin can unlock all)."""
    pattern = cache.make_key(KEY_PREFIX + "*")
    backend = getattr(cache, "_cache", None)
    if hasattr(backend, "get_client"):  # django.core.cache.backends.redis
        client = backend.get_client(write=True)
        keys = list(client.scan_iter(match=pattern))
        if keys:
            client.delete(*keys)
    elif isinstance(backend, dict):  # local memory
        prefix = cache.make_key(KEY_PREFIX)
        for key in [k for k in list(backend) if k.startswith(prefix)]:
            cache.delete(key.removeprefix(cache.make_key("")))
