"""Reads for accounts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, Permission
from django.db.models import QuerySet

from accounts.constants import APP_LABEL, CAPABILITIES, ROLES
from accounts.models import ApiKey


def user_role_name(user: AbstractBaseUser) -> str:
    """The display name of the user's role ("Admin", "Marketer", …), or "No role"."""
    if not getattr(user, "is_authenticated", False):
        return ""
    api_key = getattr(user, "api_key", None)
    if api_key is not None:  # an API key (e.g. on the browsable API docs): its role
        return api_key.role.name
    names = {g.name for g in user.groups.all()}
    for role in ROLES.values():
        if role.name in names:
            return role.name
    return "Admin" if user.is_superuser else "No role"


def user_capabilities(user: AbstractBaseUser) -> list[str]:
    """Capability codenames the user holds (through role, direct grants or superuser)."""
    held = {p.split(".", 1)[1] for p in user.get_all_permissions() if p.startswith(APP_LABEL + ".")}
    return sorted(held & CAPABILITIES.keys())


def api_key_list() -> QuerySet[ApiKey]:
    return ApiKey.objects.select_related("role", "created_by").order_by("-created_at")


def api_key_get_active_by_hash(key_hash: str) -> ApiKey | None:
    return ApiKey.objects.select_related("role").filter(key_hash=key_hash, revoked_at__isnull=True).first()


def api_key_capabilities(api_key: ApiKey) -> frozenset[str]:
    """What the key may do now: its role's current capabilities, narrowed by its scopes."""
    granted = set(
        Permission.objects.filter(group=api_key.role_id, content_type__app_label=APP_LABEL).values_list(
            "codename", flat=True
        )
    )
    if api_key.scopes:
        granted &= set(api_key.scopes)
    return frozenset(granted)
