"""The sharing page of a segment: visibility, and who else may view or edit it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from accounts.constants import ROLES, SegmentVisibility, ShareLevel
from accounts.permissions import CapabilityRequiredMixin
from accounts.segment_access import (
    segment_access_set,
    segment_can_share,
    segment_shares,
    segment_visibility,
)


class SegmentSharingView(CapabilityRequiredMixin, TemplateView):
    required_capabilities = ("view_segments",)
    template_name = "accounts/segment_sharing.html"

    def _segment(self):
        from segments.selectors import segment_list

        segment = segment_list(include_archived=True, viewer=self.request.user).filter(pk=self.kwargs["pk"]).first()
        if segment is None:
            raise Http404("No segment with this id.")
        return segment

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        segment = self._segment()
        context.update(
            segment=segment,
            visibility=segment_visibility(segment),
            shares=segment_shares(segment),
            can_share=segment_can_share(self.request.user, segment),
            visibilities=SegmentVisibility.CHOICES,
            levels=ShareLevel.CHOICES,
            roles=[role.name for role in ROLES.values()],
        )
        return context

    def post(self, request, *args, **kwargs):
        segment = self._segment()
        if not segment_can_share(request.user, segment):
            self.raise_exception = True
            return self.handle_no_permission()
        current = [
            {"user": s.user, "level": s.level} if s.user_id else {"group": s.group, "level": s.level}
            for s in segment_shares(segment)
        ]
        action = request.POST.get("action")
        try:
            if action == "visibility":
                segment_access_set(segment=segment, visibility=request.POST.get("visibility"), actor=request.user)
            elif action == "add":
                share = self._share_from(request.POST)
                key = "user" if "user" in share else "group"
                current = [s for s in current if s.get(key) != share[key]] + [share]
                segment_access_set(segment=segment, shares=current, actor=request.user)
            elif action == "remove":
                index = int(request.POST.get("index", -1))
                if not 0 <= index < len(current):
                    raise ValueError("that share is no longer there")
                current.pop(index)
                segment_access_set(segment=segment, shares=current, actor=request.user)
            else:
                raise ValueError("unknown action")
        except ValueError as error:
            messages.error(request, f"Not saved: {error}.")
        else:
            messages.success(request, "Sharing saved.")
        return redirect("segment-sharing", pk=segment.pk)

    @staticmethod
    def _share_from(data) -> dict:
        level = data.get("level", "")
        who = data.get("who", "").strip()
        if not who:
            raise ValueError("name a person (username) or a role")
        group = Group.objects.filter(name=who).first()
        if group is not None:
            return {"group": group, "level": level}
        user = get_user_model().objects.filter(username=who, is_active=True).first()
        if user is None:
            raise ValueError(f"no user or role named {who!r}")
        return {"user": user, "level": level}
