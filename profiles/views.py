"""Pages of Profiles: search and the 360° profile page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin, has_capability
from ingestion.constants import EVENT_TYPES
from profiles.pagination import InvalidCursor, keyset_page, page_links
from profiles.selectors import (
    display_name,
    primary_identifiers,
    profile_event_names,
    profile_events,
    profile_list,
    profile_overview,
    profile_resolve,
    profiles_exist,
)

PROFILES_PER_PAGE = 50
EVENTS_PER_PAGE = 25


def _page(request, queryset, *, field: str, size: int):
    try:
        return keyset_page(queryset, field=field, cursor=request.GET.get("cursor"), size=size)
    except InvalidCursor:
        return keyset_page(queryset, field=field, cursor=None, size=size)  # a mangled link: start over


class IndexView(CapabilityRequiredMixin, TemplateView):
    """Search profiles (the same search as GET /api/v1/profiles/?q=)."""

    required_capabilities = ("view_profiles",)
    template_name = "profiles/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()[:200]
        page = _page(self.request, profile_list(q=q or None), field="last_seen", size=PROFILES_PER_PAGE)
        rows = [{"profile": p, "name": display_name(p), **primary_identifiers(p)} for p in page.items]
        context.update(
            q=q,
            rows=rows,
            links=page_links(self.request, page),
            # Only asked when the page is empty: "nothing yet" and "nothing matches" differ.
            any_profiles=bool(rows) or (bool(q) and profiles_exist()),
            can_manage_sources=has_capability(self.request.user, "manage_sources"),
        )
        return context


class DetailView(CapabilityRequiredMixin, TemplateView):
    """The 360° page: identities, traits, metrics, RFM, event counts, merges, history, timeline."""

    required_capabilities = ("view_profiles",)
    template_name = "profiles/detail.html"

    def get(self, request, *args, pk: int, **kwargs):
        resolved = profile_resolve(pk)
        if resolved is None:
            raise Http404("No profile with this id.")
        if resolved.was_merged:
            messages.info(
                request,
                f"Profile #{pk} was merged into this profile (#{resolved.profile.pk}); you are seeing the merged person.",
            )
            url = reverse("profiles:detail", args=[resolved.profile.pk])
            query = request.GET.urlencode()
            return redirect(f"{url}?{query}" if query else url)
        self.resolved = resolved
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        overview = profile_overview(self.resolved)
        profile = overview.profile
        event_type = self.request.GET.get("type", "")
        event_type = event_type if event_type in EVENT_TYPES else ""
        event_name = self.request.GET.get("name", "").strip()[:255]
        events = profile_events(profile, event_type=event_type or None, name=event_name or None)
        page = _page(self.request, events, field="timestamp", size=EVENTS_PER_PAGE)
        traits = [
            {"key": key, "value": value, "set_at": overview.trait_set_at.get(key)}
            for key, value in sorted(profile.traits.items())
        ]
        context.update(
            overview=overview,
            profile=profile,
            metrics=overview.metrics,
            traits=traits,
            events=page.items,
            links=page_links(self.request, page),
            event_types=EVENT_TYPES,
            event_names=profile_event_names(profile),
            event_type=event_type,
            event_name=event_name,
            filtered=bool(event_type or event_name),
        )
        return context
