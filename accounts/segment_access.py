"""Per-segment access: who may see and edit a segment (docs/privacy.md#per-segment-access).

- Overseers (holders of SEGMENT_OVERSIGHT: the Admin role) see and edit every segment.
- The owner sees and edits their segment, and decides its sharing.
- A segment's visibility is `workspace` (everyone with view_segments sees it, everyone with
  manage_segments edits it) or `private` (only the owner, the people and roles it is shared
  with, and overseers). Segments without a setting use SEGMENT_DEFAULT_VISIBILITY.
- Shares name a user or a role (group) as viewer or editor; an API key counts as its role.
Editing always needs manage_segments too. Lists filter in the query (`segments_visible`), and an
object the caller may not see answers 404, like one that does not exist.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from accounts.constants import SEGMENT_OVERSIGHT, SegmentVisibility, ShareLevel
from accounts.models import SegmentAccess, SegmentShare
from accounts.permissions import has_capability
from audit.constants import AuditAction
from audit.services import audit_record


def _user_and_groups(principal) -> tuple[object | None, list[int]]:
    api_key = getattr(principal, "api_key", None)
    if api_key is not None:
        return None, [api_key.role_id]
    if getattr(principal, "pk", None) is None:
        return None, []
    return principal, list(principal.groups.values_list("pk", flat=True))


def oversees_segments(principal) -> bool:
    return any(has_capability(principal, c) for c in SEGMENT_OVERSIGHT)


def _workspace_q() -> Q:
    workspace = Q(access__visibility=SegmentVisibility.WORKSPACE)
    if settings.SEGMENT_DEFAULT_VISIBILITY == SegmentVisibility.WORKSPACE:
        workspace |= Q(access__isnull=True)
    return workspace


def _shared_q(user, group_ids: list[int], *, level: str | None = None) -> Q:
    shares = SegmentShare.objects.filter(
        (Q(user=user) if user is not None else Q(pk__in=[])) | Q(group_id__in=group_ids)
    )
    if level is not None:
        shares = shares.filter(level=level)
    return Q(pk__in=shares.values("segment_id"))


def segments_visible(segments: QuerySet, principal) -> QuerySet:
    """`segments` narrowed to those `principal` may see (in the query: no per-row checks)."""
    if oversees_segments(principal):
        return segments
    user, group_ids = _user_and_groups(principal)
    visible = _workspace_q() | _shared_q(user, group_ids)
    if user is not None:
        visible |= Q(owner=user)
    return segments.filter(visible)


def segment_can_view(principal, segment) -> bool:
    from segments.models import Segment

    return segments_visible(Segment.objects.filter(pk=segment.pk), principal).exists()


def segment_can_edit(principal, segment) -> bool:
    from segments.models import Segment

    if not has_capability(principal, "manage_segments"):
        return False
    if oversees_segments(principal):
        return True
    user, group_ids = _user_and_groups(principal)
    editable = _workspace_q() | _shared_q(user, group_ids, level=ShareLevel.EDITOR)
    if user is not None:
        editable |= Q(owner=user)
    return Segment.objects.filter(editable, pk=segment.pk).exists()


def segment_can_share(principal, segment) -> bool:
    """The owner and overseers decide who else sees a segment."""
    if oversees_segments(principal):
        return True
    user, _ = _user_and_groups(principal)
    return user is not None and segment.owner_id == user.pk


def segment_visibility(segment) -> str:
    access = SegmentAccess.objects.filter(segment=segment).first()
    return access.visibility if access else settings.SEGMENT_DEFAULT_VISIBILITY


def segment_shares(segment) -> list[SegmentShare]:
    return list(SegmentShare.objects.filter(segment=segment).select_related("user", "group").order_by("id"))


@transaction.atomic
def segment_access_set(*, segment, visibility: str | None = None, shares: list[dict] | None = None, actor=None):
    """Set a segment's visibility and/or replace its shares ([{"user": User} or {"group": Group},
    "level"]). Recorded in the audit log; open sockets of people who lose access are told."""
    from accounts.realtime import permissions_changed

    before_users = {s.user_id for s in segment_shares(segment) if s.user_id}
    details: dict = {}
    if visibility is not None:
        if visibility not in dict(SegmentVisibility.CHOICES):
            raise ValueError(f"visibility must be one of: {', '.join(dict(SegmentVisibility.CHOICES))}")
        SegmentAccess.objects.update_or_create(segment=segment, defaults={"visibility": visibility})
        details["visibility"] = visibility
    if shares is not None:
        SegmentShare.objects.filter(segment=segment).delete()
        rows = []
        for share in shares:
            if share.get("level") not in dict(ShareLevel.CHOICES):
                raise ValueError(f"level must be one of: {', '.join(dict(ShareLevel.CHOICES))}")
            if bool(share.get("user")) == bool(share.get("group")):
                raise ValueError("a share names one user or one role")
            rows.append(
                SegmentShare(
                    segment=segment,
                    user=share.get("user"),
                    group=share.get("group"),
                    level=share["level"],
                    created_by=actor if getattr(actor, "pk", None) else None,
                )
            )
        SegmentShare.objects.bulk_create(rows)
        details["shares"] = [
            {("user" if r.user else "role"): (r.user.get_username() if r.user else r.group.name), "level": r.level}
            for r in rows
        ]
        for user_id in before_users - {r.user_id for r in rows if r.user_id}:
            permissions_changed(user_id=user_id)
    if visibility == SegmentVisibility.PRIVATE:
        from django.contrib.auth import get_user_model

        for user_id in get_user_model().objects.filter(is_active=True).values_list("pk", flat=True)[:10000]:
            permissions_changed(user_id=user_id)  # open segment sockets re-check (and close)
    audit_record(
        action=AuditAction.SEGMENT_SHARED,
        actor=actor if getattr(actor, "pk", None) else None,
        target=segment,
        details=details,
    )
