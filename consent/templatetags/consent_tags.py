"""{% profile_consent profile %}: the consent section of a profile's page."""

from __future__ import annotations

from django import template

from accounts.permissions import has_capability
from consent.constants import ConsentSource, ConsentState
from consent.selectors import activation_checks, consent_overview, purpose_list

register = template.Library()

CHECKS_SHOWN = 10


@register.inclusion_tag("consent/_profile_consent.html", takes_context=True)
def profile_consent(context, profile):
    user = context["request"].user
    return {
        "profile": profile,
        "overview": consent_overview(profile),
        "checks": list(activation_checks(profile)[:CHECKS_SHOWN]),
        "can_manage": has_capability(user, "manage_consent"),
        "view_pii": has_capability(user, "view_pii"),
        "purposes": purpose_list(),
        "states": ConsentState.choices,
        "sources": dict(ConsentSource.choices),
        "csrf_token": context.get("csrf_token"),
    }
