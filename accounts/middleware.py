"""Session lifetime: an absolute limit from sign-in (SESSION_AGE_SECONDS) and an idle limit
(SESSION_IDLE_SECONDS). Either ends the session: pages go to the sign-in form, API calls made
with the session answer 401 like any unauthenticated call."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

SIGNED_IN_AT = "shoal_signed_in_at"
LAST_SEEN_AT = "shoal_last_seen_at"
# Writing the session on every request would cost a write per page; a minute of slack is fine.
TOUCH_EVERY_SECONDS = 60


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            now = time.time()
            signed_in_at = session.get(SIGNED_IN_AT)
            last_seen_at = session.get(LAST_SEEN_AT, signed_in_at)
            if signed_in_at is None:
                session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = now
            elif now - signed_in_at > settings.SESSION_COOKIE_AGE or now - last_seen_at > settings.SESSION_IDLE_SECONDS:
                logout(request)  # flushes the session; request.user becomes anonymous
            elif now - last_seen_at > TOUCH_EVERY_SECONDS:
                session[LAST_SEEN_AT] = now
        return self.get_response(request)


def mark_signed_in(sender, request, user, **kwargs) -> None:
    """At sign-in: start both clocks (so the first request after it writes nothing)."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SIGNED_IN_AT] = session[LAST_SEEN_AT] = time.time()
