"""Pages of Profiles: search and the 360° profile page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin, has_capability
from ingestion.constants import EVENT_TYPES
from pii.masking import PiiView, can_view_pii
from pii.selectors import masked_view, page_pii_view, revealed_until
from profiles.pagination import InvalidCursor, keyset_page, page_links
from profiles.selectors import (
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
        pii = masked_view()  # lists are masked for everyone; a reveal is per profile
        rows = [
            {"profile": p, "name": pii.display_name(p), **pii.identifiers(primary_identifiers(p))} for p in page.items
        ]
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
        pii = page_pii_view(self.request, profile.pk)
        overview = _masked_overview(overview, pii)
        event_type = self.request.GET.get("type", "")
        event_type = event_type if event_type in EVENT_TYPES else ""
        event_name = self.request.GET.get("name", "").strip()[:255]
        events = profile_events(profile, event_type=event_type or None, name=event_name or None)
        page = _page(self.request, events, field="timestamp", size=EVENTS_PER_PAGE)
        traits = [
            {"key": key, "value": value, "set_at": overview.trait_set_at.get(key), "masked": pii.masks(key)}
            for key, value in sorted(pii.traits(profile.traits).items())
        ]
        events = list(page.items)
        for event in events:  # display copies only: never saved
            event.properties, event.traits, event.context = (
                pii.event_data(event.properties),
                pii.event_data(event.traits),
                pii.event_data(event.context),
            )
        context.update(
            overview=overview,
            profile=profile,
            metrics=overview.metrics,
            traits=traits,
            events=events,
            pii_revealed=pii.reveal,
            pii_revealed_until=revealed_until(self.request, profile.pk) if pii.reveal else None,
            can_reveal=can_view_pii(self.request.user),
            has_masked=any(t["masked"] for t in traits) or any(pii.masks(i.kind) for i in overview.identities),
            links=page_links(self.request, page),
            event_types=EVENT_TYPES,
            event_names=profile_event_names(profile),
            event_type=event_type,
            event_name=event_name,
            filtered=bool(event_type or event_name),
        )
        return context


def _masked_overview(overview, pii: PiiView):
    """The overview as this viewer may see it (display copies: nothing here is saved)."""
    from dataclasses import replace

    if pii.reveal:
        return overview
    for conflict in overview.conflicts:
        conflict.value = pii.identity_value(conflict.kind, conflict.value)
    for merge in overview.merges:
        merge.identities_moved = [
            f"{k}={pii.identity_value(k, v)}" if isinstance(item, str) and "=" in item else item
            for item in merge.identities_moved
            for k, _, v in [str(item).partition("=")]
        ]
    return replace(
        overview,
        display_name=pii.display_name(overview.profile, overview.identities),
        identifiers=pii.identifiers(overview.identifiers),
        identities=pii.identities(overview.identities),
        trait_history=[pii.trait_change(change) for change in overview.trait_history],
    )
