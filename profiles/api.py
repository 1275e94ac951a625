"""REST endpoints for profiles: search, the 360° view and a profile's events.

A merged profile's id keeps working: the detail and events endpoints answer 200 with the live
profile it was merged into, and say so (`requested_id` ≠ `id`, `merged_into` set). SDK clients
that stored an old id get the person's current data without following a redirect.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.permissions import capability_required
from profiles.pagination import EventPagination, ProfilePagination
from profiles.selectors import ResolvedProfile, profile_events, profile_list, profile_overview, profile_resolve
from profiles.serializers import (
    EventQuerySerializer,
    EventSerializer,
    ProfileDetailSerializer,
    ProfileListItemSerializer,
    ProfileListQuerySerializer,
)
from segments.selectors import profile_segments

TAGS = ["profiles"]
ViewProfiles = capability_required("view_profiles")


def _resolve_or_404(pk: int) -> ResolvedProfile:
    resolved = profile_resolve(pk)
    if resolved is None:
        raise Http404("No profile with this id.")
    return resolved


class ProfileListView(GenericAPIView):
    permission_classes = [ViewProfiles]
    pagination_class = ProfilePagination
    serializer_class = ProfileListItemSerializer

    @extend_schema(
        parameters=[ProfileListQuerySerializer],
        responses=ProfileListItemSerializer(many=True),
        summary="Search profiles",
        description=(
            "Live profiles (merged ones are left out), most recently seen first, 50 per page "
            "(`limit` up to 200). Filters combine with AND."
        ),
        tags=TAGS,
    )
    def get(self, request):
        query = ProfileListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(profile_list(**query.validated_data))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class ProfileDetailView(GenericAPIView):
    permission_classes = [ViewProfiles]
    serializer_class = ProfileDetailSerializer

    @extend_schema(
        responses=ProfileDetailSerializer,
        summary="Get a profile (360° view)",
        description=(
            "Identities, traits and when each was set, computed metrics (with RFM), event counts per "
            "name in rolling windows, merges, open identity conflicts and recent trait history. "
            "The id of a merged profile answers 200 with the profile it was merged into: `id` is "
            "then the live profile's id, `requested_id` the one asked for and `merged_into` is set."
        ),
        examples=[
            OpenApiExample(
                "Merged id",
                summary="Asking for a profile that was merged",
                value={"id": 42, "requested_id": 17, "merged_into": 42, "display_name": "Ana Lima"},
                response_only=True,
            )
        ],
        tags=TAGS,
    )
    def get(self, request, pk: int):
        overview = profile_overview(_resolve_or_404(pk))
        profile = overview.profile
        body = {
            "id": profile.pk,
            "requested_id": overview.requested_id,
            "merged_into": overview.merged_into,
            "display_name": overview.display_name,
            "created_at": profile.created_at,
            "updated_at": profile.updated_at,
            "identities": overview.identities,
            "traits": profile.traits,
            "trait_timestamps": overview.trait_set_at,
            "metrics": overview.metrics,
            "event_counts": overview.event_counts,
            "merges": overview.merges,
            "conflicts": overview.conflicts,
            "trait_history": overview.trait_history,
            "segments": profile_segments(profile, viewer=request.user),
        }
        return Response(ProfileDetailSerializer(body, context={"profile_id": profile.pk}).data)


class ProfileEventsView(GenericAPIView):
    permission_classes = [ViewProfiles]
    pagination_class = EventPagination
    serializer_class = EventSerializer

    @extend_schema(
        parameters=[EventQuerySerializer],
        responses=EventSerializer(many=True),
        summary="List a profile's events",
        description=(
            "Newest first (by event time), 50 per page (`limit` up to 200). A merged profile's id "
            "lists the events of the profile it was merged into."
        ),
        tags=TAGS,
    )
    def get(self, request, pk: int):
        query = EventQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        filters = dict(query.validated_data)
        resolved = _resolve_or_404(pk)
        events = profile_events(resolved.profile, event_type=filters.pop("type", None), **filters)
        page = self.paginate_queryset(events)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
