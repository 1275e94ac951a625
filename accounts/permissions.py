"""Capability checks shared by API views and pages."""

from __future__ import annotations

from django.contrib.auth.mixins import AccessMixin
from rest_framework.permissions import BasePermission

from accounts.constants import perm


def has_capability(user, codename: str) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_perm(perm(codename))


def capability_required(*codenames: str) -> type[BasePermission]:
    """A DRF permission class requiring every named capability."""
    for codename in codenames:
        perm(codename)  # fail at import time on a typo

    class HasCapabilities(BasePermission):
        message = f"This needs the capability: {', '.join(codenames)}."

        def has_permission(self, request, view):
            return all(has_capability(request.user, c) for c in codenames)

    HasCapabilities.__name__ = "Has_" + "_".join(codenames)
    return HasCapabilities


class CapabilityRequiredMixin(AccessMixin):
    """For pages: sign in first, then hold `required_capabilities` (any of `any_capabilities`)."""

    required_capabilities: tuple[str, ...] = ()
    any_capabilities: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return self.handle_no_permission()
        allowed = all(has_capability(user, c) for c in self.required_capabilities)
        if self.any_capabilities:
            allowed = allowed and any(has_capability(user, c) for c in self.any_capabilities)
        if not allowed:
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)
