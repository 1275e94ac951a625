"""Pages of Segments: the list, the visual builder (new and edit), a segment's live page, and the
profile page's live segments section. Pages render what the server knows; the builder and the live
parts are small ES modules in static/segments/ that talk to the REST API and the websockets."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.generic import TemplateView

from accounts.permissions import CapabilityRequiredMixin, has_capability
from profiles.models import Profile
from profiles.serializers import ProfileListItemSerializer
from segments import discovery, selectors
from segments.models import Membership, Segment
from segments.starters import STARTER_TEMPLATES, starter_template

MEMBERS_PER_PAGE = 10
TREND_DAYS = 30
SPARK_WIDTH, SPARK_HEIGHT = 90, 26
STATE_FILTERS = {"done", "pending", "running", "failed"}


def sparkline_points(series: list[int], width: int = SPARK_WIDTH, height: int = SPARK_HEIGHT) -> str:
    """SVG polyline points for a size series (flat in the middle when it never changes)."""
    if not series:
        return ""
    low, high = min(series), max(series)
    span = high - low
    step = width / max(len(series) - 1, 1)
    points = []
    for index, value in enumerate(series):
        y = height / 2 if span == 0 else height - 2 - (value - low) / span * (height - 4)
        points.append(f"{index * step:.1f},{y:.1f}")
    return " ".join(points)


class IndexView(CapabilityRequiredMixin, TemplateView):
    """Every active segment: size, 30-day trend, last change, owner; search and filters."""

    required_capabilities = ("view_segments",)
    template_name = "segments/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        request = self.request
        q = request.GET.get("q", "").strip()[:200]
        owner = request.GET.get("owner", "")
        state = request.GET.get("state", "")
        segments = selectors.segment_list(viewer=request.user)  # per-segment access
        any_segments = segments.exists()
        if q:
            segments = segments.filter(Q(name__icontains=q) | Q(description__icontains=q))
        if owner == "me":
            segments = segments.filter(owner=request.user)
        if state in STATE_FILTERS:
            segments = segments.filter(evaluation=state)
        segments = list(segments)
        trends = selectors.segment_trends(segments, days=TREND_DAYS)
        last_changes = selectors.segment_last_changes([s.pk for s in segments])
        rows = []
        for segment in segments:
            series = trends.get(segment.pk, [])
            rows.append(
                {
                    "segment": segment,
                    "spark": sparkline_points(series),
                    "delta": (series[-1] - series[0]) if series else 0,
                    "last_change": last_changes.get(segment.pk),
                }
            )
        context.update(
            rows=rows,
            q=q,
            owner=owner,
            state=state,
            filtered=bool(q or owner or state),
            any_segments=any_segments,
            can_manage=has_capability(request.user, "manage_segments"),
            starters=STARTER_TEMPLATES,
            spark_width=SPARK_WIDTH,
            spark_height=SPARK_HEIGHT,
        )
        return context


def _builder_urls() -> dict:
    return {
        "schema": reverse("api-segment-schema"),
        "properties": reverse("api-segment-schema-properties"),
        "values": reverse("api-segment-schema-values"),
        "preview": reverse("api-segment-preview"),
        "segments": reverse("api-segments"),
        "profile": reverse("profiles:detail", args=[0]).replace("/0/", "/{id}/"),
        "detail": reverse("segments:detail", args=[0]).replace("/0/", "/{id}/"),
    }


class BuilderView(CapabilityRequiredMixin, TemplateView):
    """The visual builder for a new segment (optionally from a starter template)."""

    required_capabilities = ("view_segments", "manage_segments")
    template_name = "segments/builder.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        starter = starter_template(self.request.GET.get("template", ""))
        context.update(
            segment=None,
            starter=starter,
            starters=STARTER_TEMPLATES,
            builder_config={
                "mode": "create",
                "urls": _builder_urls(),
                "segment": (
                    {"name": starter["name"], "description": starter["description"], "rule": starter["rule"]}
                    if starter
                    else None
                ),
                "starters": STARTER_TEMPLATES,
            },
        )
        return context


class EditView(CapabilityRequiredMixin, TemplateView):
    """The visual builder on a saved segment: the impact of the change shows before saving."""

    required_capabilities = ("view_segments", "manage_segments")
    template_name = "segments/builder.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = get_object_or_404(selectors.segment_list(viewer=self.request.user), pk=self.kwargs["pk"])
        from accounts.segment_access import segment_can_edit

        if not segment_can_edit(self.request.user, segment):
            raise PermissionDenied("You can view this segment but not edit it.")
        urls = _builder_urls()
        urls.update(
            segment=reverse("api-segment", args=[segment.pk]),
            impact=reverse("api-segment-impact", args=[segment.pk]),
        )
        context.update(
            segment=segment,
            starters=STARTER_TEMPLATES,
            builder_config={
                "mode": "edit",
                "urls": urls,
                "segment": {
                    "id": segment.pk,
                    "name": segment.name,
                    "description": segment.description,
                    "rule": segment.rule,
                    "version": segment.version,
                    "member_count": segment.member_count,
                },
                "starters": STARTER_TEMPLATES,
            },
        )
        return context


class DetailView(CapabilityRequiredMixin, TemplateView):
    """A segment's live page: size over time, live entries and exits, composition, members,
    "why is this person here", rule history."""

    required_capabilities = ("view_segments",)
    template_name = "segments/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = get_object_or_404(
            selectors.segment_list(include_archived=True, viewer=self.request.user), pk=self.kwargs["pk"]
        )
        user = self.request.user
        members = list(selectors.segment_members(segment)[:MEMBERS_PER_PAGE])
        member_rows = ProfileListItemSerializer(members, many=True).data
        versions = list(segment.versions.select_related("created_by")[:20])
        rfm = selectors.segment_rfm_breakdown(segment)
        total = sum(row["members"] for row in rfm) or 1
        for row in rfm:
            row["share"] = row["members"] / total
        context.update(
            segment=segment,
            members=member_rows,
            more_members=len(members) == MEMBERS_PER_PAGE,
            rfm=rfm,
            traits=discovery.trait_breakdown(selectors.segment_member_traits(segment)),
            versions=versions,
            version_rules={str(v.version): v.rule for v in versions},
            plotly_version=_plotly_version(),
            can_manage=has_capability(user, "manage_segments") and segment.status == Segment.Status.ACTIVE,
            can_export=has_capability(user, "export_data"),
            can_view_profiles=has_capability(user, "view_profiles"),
            page_config={
                "segment": {"id": segment.pk, "name": segment.name, "member_count": segment.member_count},
                "urls": {
                    "size": reverse("api-segment-size", args=[segment.pk]),
                    "history": reverse("api-segment-history", args=[segment.pk]),
                    "members": reverse("api-segment-members", args=[segment.pk]),
                    "segment": reverse("api-segment", args=[segment.pk]),
                    "list": reverse("segments:index"),
                    "explain": reverse("api-segment-explain", args=[segment.pk, 0]).replace("/0/", "/{id}/"),
                    "profile": reverse("profiles:detail", args=[0]).replace("/0/", "/{id}/"),
                    "profile_api": reverse("api-profile-detail", args=[0]).replace("/0/", "/{id}/"),
                    "socket": f"/ws/segments/{segment.pk}/",
                },
                "can_view_profiles": has_capability(user, "view_profiles"),
            },
        )
        return context


def profile_segments_context(profile: Profile, viewer=None) -> dict:
    """The profile page's "Segments" section: the segments the person is in now, newest first
    (only those `viewer` may see: per-segment access)."""
    memberships = (
        Membership.objects.filter(profile=profile, segment__status=Segment.Status.ACTIVE)
        .select_related("segment")
        .order_by("-since")
    )
    if viewer is not None:
        memberships = memberships.filter(segment__in=selectors.segment_list(viewer=viewer).values("pk"))
    return {
        "profile": profile,
        "memberships": list(memberships),
        "explain_url": reverse("api-segment-explain", args=[0, profile.pk]).replace("/0/", "/{segment}/", 1),
    }


class ProfileSegmentsView(CapabilityRequiredMixin, TemplateView):
    """The profile page's segments section alone (the live module re-reads it on a change)."""

    required_capabilities = ("view_segments", "view_profiles")
    template_name = "segments/_profile_segments.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        profile = get_object_or_404(Profile, pk=self.kwargs["profile_id"])
        context.update(profile_segments_context(profile, viewer=self.request.user))
        return context


@lru_cache(maxsize=1)
def _plotly_version() -> str:
    import plotly

    return plotly.__version__


@lru_cache(maxsize=1)
def _plotly_path() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def plotly_js(request):
    """Plotly.js from the installed plotly Python package (never a CDN); cached for a year, the
    URL carries the package version."""
    path = _plotly_path()
    if not path.exists():
        raise Http404("plotly.min.js is not installed")
    response = FileResponse(path.open("rb"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
