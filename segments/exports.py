"""Streamed CSV export of a segment's members (personal data masked, as in every export)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import ValidationError
from rest_framework.views import APIView

from accounts.permissions import capability_required
from audit.constants import AuditAction
from audit.services import audit_record
from cdp.csv_safe import streaming_csv_response
from consent.constants import Channel
from consent.models import Purpose
from consent.services import activation_decide_many
from pii.selectors import masked_view
from profiles.selectors import primary_identifiers
from segments import selectors
from segments.models import Membership

MEMBER_COLUMNS = (
    "profile_id",
    "display_name",
    "user_id",
    "email",
    "member_since",
    "last_seen",
    "orders_count",
    "revenue_total",
    "rfm_class",
)


EXPORT_CHUNK = 2000


def _members_allowed(segment, memberships, purpose: str | None):
    """The memberships to export: all of them, or (for a marketing purpose) only people whose
    consent allows it now — each decision recorded by consent's shared activation check."""
    if purpose is None:
        yield from memberships
        return
    chunk: list = []
    for membership in memberships:
        chunk.append(membership)
        if len(chunk) == EXPORT_CHUNK:
            yield from _allowed(segment, chunk, purpose)
            chunk = []
    yield from _allowed(segment, chunk, purpose)


def _allowed(segment, chunk: list, purpose: str):
    if not chunk:
        return
    decisions = activation_decide_many(
        profile_ids=[m.profile_id for m in chunk],
        purpose=purpose,
        channel=Channel.EXPORT,
        context={"segment_id": segment.pk, "export": "members.csv"},
    )
    yield from (m for m in chunk if decisions[m.profile_id].allowed)


def member_rows(segment, view, *, purpose: str | None = None):
    """One row per current member, by profile id, read in chunks (never the whole segment at once)."""
    members = (
        Membership.objects.filter(segment=segment)
        .select_related("profile")
        .prefetch_related("profile__identities")
        .order_by("profile_id")
    )
    for membership in _members_allowed(segment, members.iterator(chunk_size=EXPORT_CHUNK), purpose):
        profile = membership.profile
        identities = list(profile.identities.all())
        ids = view.identifiers(primary_identifiers(profile, identities))
        yield (
            profile.pk,
            view.display_name(profile, identities),
            ids.get("user_id"),
            ids.get("email"),
            membership.since,
            profile.last_seen,
            profile.orders_count,
            profile.revenue_total,
            profile.rfm_class or None,
        )


class MembersCsvView(APIView):
    """GET /api/v1/segments/{id}/members.csv"""

    permission_classes = [capability_required("view_segments", "export_data")]

    @extend_schema(
        summary="Export current members as CSV (streamed; personal data masked)",
        description=(
            "With `purpose` (an export for marketing use, e.g. `email_marketing`), only the members whose "
            "consent allows that purpose now are exported, and each decision is recorded (docs/consent.md)."
        ),
        parameters=[OpenApiParameter("purpose", str, description="Consent purpose of a marketing export.")],
        tags=["Segments"],
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="UTF-8 CSV with a header")},
    )
    def get(self, request, pk: int):
        segment = get_object_or_404(selectors.segment_list(include_archived=True, viewer=request.user), pk=pk)
        purpose = request.query_params.get("purpose") or None
        if purpose is not None and not Purpose.objects.filter(slug=purpose).exists():
            raise ValidationError({"purpose": [f"no consent purpose {purpose!r}"]})
        audit_record(
            action=AuditAction.EXPORT,
            target=segment,
            details={"what": "segment members", "members": segment.member_count, "format": "csv", "purpose": purpose},
            request=request,
        )
        filename = f"segment-{segment.pk}-members-{timezone.now():%Y%m%d-%H%M}.csv"
        rows = member_rows(segment, masked_view(), purpose=purpose)
        return streaming_csv_response(rows, MEMBER_COLUMNS, filename, request=request)
