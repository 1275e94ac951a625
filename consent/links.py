"""Signed links to the public preference centre (one in every email).

The token carries the profile id only (no personal data in URLs), signed with SECRET_KEY and a
salt of its own, timestamped: it expires after PREFERENCE_LINK_MAX_AGE_DAYS.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from profiles.models import Profile

SALT = "shoal.consent.preference-centre"


class InvalidLink(Exception):
    """The link was altered, is unknown, or has expired (`expired` says which)."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def preference_token(profile: Profile | int) -> str:
    profile_id = profile.pk if isinstance(profile, Profile) else int(profile)
    return signing.dumps({"p": profile_id}, salt=SALT, compress=True)


def preference_centre_path(profile: Profile | int) -> str:
    return reverse("preferences:centre", args=[preference_token(profile)])


def preference_centre_url(profile: Profile | int) -> str:
    """The absolute link to put in an email (SHOAL_BASE_URL + the signed path)."""
    return settings.SHOAL_BASE_URL.rstrip("/") + preference_centre_path(profile)


def unsubscribe_url(profile: Profile | int) -> str:
    """RFC 8058 one-click unsubscribe target for the List-Unsubscribe header."""
    return settings.SHOAL_BASE_URL.rstrip("/") + reverse("preferences:unsubscribe", args=[preference_token(profile)])


def profile_from_token(token: str) -> Profile:
    """The live profile a token stands for, or InvalidLink."""
    max_age = settings.PREFERENCE_LINK_MAX_AGE_DAYS * 86400
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise InvalidLink("This link has expired.", expired=True) from error
    except signing.BadSignature as error:
        raise InvalidLink("This link is not valid.") from error
    profile_id = payload.get("p") if isinstance(payload, dict) else None
    profile = Profile.objects.filter(pk=profile_id).first() if isinstance(profile_id, int) else None
    if profile is None:
        raise InvalidLink("This link is not valid.")
    from consent.services import live_profile

    return live_profile(profile)
