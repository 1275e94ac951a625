"""Template pieces of the segments UI that other pages include (the profile page's live section)."""

from django import template

from accounts.permissions import has_capability

register = template.Library()


@register.inclusion_tag("segments/_profile_segments_card.html", takes_context=True)
def profile_segments(context, profile):
    """The live "Segments" card of a profile page: current segments, each with its explanation."""
    from segments.views import profile_segments_context

    user = context["request"].user
    allowed = has_capability(user, "view_segments")
    return {"allowed": allowed, **(profile_segments_context(profile, viewer=user) if allowed else {"profile": profile})}
