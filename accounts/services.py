"""Writes for accounts: users with a role, API keys."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction
from django.utils import timezone

from accounts.constants import API_KEY_PREFIX, APP_LABEL, CAPABILITIES, ROLES, STEWARD_CONSOLE_PERMISSIONS, role_by_slug
from accounts.models import ApiKey
from audit.constants import AuditAction
from audit.receivers import group_changes_recorded_by_caller
from audit.services import audit_record


def roles_ensure() -> list[str]:
    """Create any missing role group with its capabilities; returns the names it created.

    The data migration creates the roles on a new database; this runs after every migrate and
    flush (post_migrate) so a database emptied by `flush` gets them back. Existing groups are left
    as an admin configured them.
    """
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    content_type, _ = ContentType.objects.get_or_create(app_label=APP_LABEL, model="capability")
    permissions = {}
    for codename, name in CAPABILITIES.items():
        permissions[codename], _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    created = []
    for role in ROLES.values():
        group, was_created = Group.objects.get_or_create(name=role.name)
        if was_created:
            group.permissions.set([permissions[c] for c in role.capabilities])
            if role.slug == "steward":
                group.permissions.add(*_console_permissions())
            created.append(role.name)
    return created


def _console_permissions() -> list:
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.auth.models import Permission
    from django.db.models import Q

    # After migrate, apps later in INSTALLED_APPS than accounts have no permission rows yet.
    for app_label in sorted({app_label for app_label, _ in STEWARD_CONSOLE_PERMISSIONS}):
        create_permissions(apps.get_app_config(app_label), verbosity=0)

    wanted = Q(pk__in=[])
    for app_label, codename in STEWARD_CONSOLE_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(wanted))


def generate_password() -> str:
    """A strong password a person can still copy: 4 groups of 5 URL-safe characters."""
    raw = secrets.token_urlsafe(16).replace("-", "x").replace("_", "y")
    return "-".join(raw[i : i + 5] for i in range(0, 20, 5))


def role_group(slug: str) -> Group:
    return Group.objects.get(name=role_by_slug(slug).name)


@transaction.atomic
def user_create(*, username: str, role: str, email: str = "", password: str | None = None) -> tuple[AbstractUser, str]:
    """Create a user with one role. Returns the user and the password (generated when not given).

    Raises ValidationError when the password fails the configured validators, ValueError when the
    username is taken, KeyError for an unknown role.
    """
    user_model = get_user_model()
    the_role = role_by_slug(role)
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValueError(f"a user named {username!r} already exists")
    password = password or generate_password()
    candidate = user_model(username=username, email=email)
    validate_password(password, user=candidate)
    user = user_model.objects.create_user(username=username, email=email, password=password)
    user_set_role(user=user, role=the_role.slug)
    return user, password


@transaction.atomic
def user_set_role(*, user: AbstractUser, role: str) -> None:
    """Give `user` exactly one role (replacing any other role group) and the matching staff flag."""
    the_role = role_by_slug(role)
    role_groups = Group.objects.filter(name__in=[r.name for r in ROLES.values()])
    before = sorted(user.groups.filter(pk__in=role_groups).values_list("name", flat=True))
    with group_changes_recorded_by_caller():
        user.groups.remove(*role_groups)
        user.groups.add(Group.objects.get(name=the_role.name))
    user.is_staff = the_role.is_staff
    user.is_superuser = the_role.slug == "admin"
    user.save(update_fields=["is_staff", "is_superuser"])
    if before != [the_role.name]:
        audit_record(action=AuditAction.USER_ROLE_CHANGED, target=user, details={"from": before, "to": [the_role.name]})


def hash_api_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def api_key_create(*, name: str, role: str, scopes: list[str] | None = None, created_by=None) -> tuple[ApiKey, str]:
    """Create an API key and return it with the raw key, which is shown once and never stored."""
    scopes = sorted(set(scopes or []))
    unknown = [s for s in scopes if s not in CAPABILITIES]
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(unknown)}")
    the_role = role_by_slug(role)
    outside_role = [s for s in scopes if s not in the_role.capabilities]
    if outside_role:
        raise ValueError(f"scopes outside the {the_role.name} role: {', '.join(outside_role)}")
    if not name.strip():
        raise ValueError("an API key needs a name")
    raw_key = API_KEY_PREFIX + secrets.token_urlsafe(32)
    api_key = ApiKey.objects.create(
        name=name.strip(),
        prefix=raw_key[: len(API_KEY_PREFIX) + 6],
        key_hash=hash_api_key(raw_key),
        role=role_group(the_role.slug),
        scopes=scopes,
        created_by=created_by,
    )
    audit_record(
        action=AuditAction.API_KEY_CREATED,
        actor=created_by,
        target=api_key,
        details={"name": api_key.name, "prefix": api_key.prefix, "role": the_role.name, "scopes": scopes},
    )
    return api_key, raw_key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(
            action=AuditAction.API_KEY_REVOKED,
            target=api_key,
            details={"name": api_key.name, "prefix": api_key.prefix},
        )
    return api_key
