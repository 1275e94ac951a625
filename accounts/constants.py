"""Capabilities (permissions) and the four roles built from them.

A role is a Django group holding explicit permissions; the data migration creates them from this
table. Code checks capabilities (`user.has_perm("accounts.view_pii")`), never role names.
"""

from __future__ import annotations

from dataclasses import dataclass

APP_LABEL = "accounts"

CAPABILITIES: dict[str, str] = {
    "view_profiles": "View profiles and their events",
    "view_pii": "See personal data (PII) unmasked",
    "export_data": "Export data (CSV and bulk API)",
    "view_segments": "View segments and their members",
    "manage_segments": "Create, edit and archive segments",
    "view_campaigns": "View campaigns and their results",
    "manage_campaigns": "Create, edit and launch campaigns",
    "view_dashboards": "View dashboards",
    "manage_dashboards": "Create and edit dashboards",
    "manage_sources": "Manage sources and write keys",
    "manage_consent": "Manage consent purposes and records",
    "handle_privacy_requests": "Handle data subject requests (GDPR)",
    "view_audit_log": "Read the audit log",
    "manage_pii": "Classify trait keys as PII, sensitive or normal",
    "manage_users": "Manage users and their roles",
    "manage_api_keys": "Create and revoke API keys",
}

CAPABILITY_CHOICES = list(CAPABILITIES.items())

READ_ONLY = ("view_profiles", "view_segments", "view_campaigns", "view_dashboards")


@dataclass(frozen=True)
class Role:
    slug: str
    name: str  # also the name of the Django group
    description: str
    capabilities: tuple[str, ...]
    is_staff: bool = False  # may open the admin console


ROLES: dict[str, Role] = {
    role.slug: role
    for role in (
        Role(
            "admin",
            "Admin",
            "Everything, including users, roles and API keys.",
            tuple(CAPABILITIES),
            is_staff=True,
        ),
        Role(
            "steward",
            "Data Steward",
            "Governs data: sources, consent, privacy requests, PII and the audit log.",
            (
                *READ_ONLY,
                "view_pii",
                "export_data",
                "manage_sources",
                "manage_consent",
                "handle_privacy_requests",
                "view_audit_log",
                "manage_api_keys",
                "manage_pii",
            ),
            is_staff=True,
        ),
        Role(
            "marketer",
            "Marketer",
            "Builds segments, campaigns and dashboards. Sees PII masked unless granted view_pii.",
            (*READ_ONLY, "manage_segments", "manage_campaigns", "manage_dashboards", "export_data"),
        ),
        Role(
            "analyst",
            "Analyst",
            "Read-only: explores profiles, segments, campaigns and dashboards.",
            READ_ONLY,
        ),
    )
}

# Django admin (steward console) permissions of the Data Steward role, besides capabilities:
# configure profile settings and sources, read events, warnings, profiles, merges and conflicts.
STEWARD_CONSOLE_PERMISSIONS = (
    ("profiles", "view_profile"),
    ("profiles", "view_profilemerge"),
    ("profiles", "view_identityconflict"),
    ("profiles", "change_identityconflict"),
    ("profiles", "view_profilesettings"),
    ("profiles", "add_profilesettings"),
    ("profiles", "change_profilesettings"),
    ("ingestion", "view_source"),
    ("ingestion", "change_source"),
    ("ingestion", "view_event"),
    ("ingestion", "view_ingestionwarning"),
    ("consent", "view_purpose"),
    ("consent", "view_consentcategorymapping"),
    ("consent", "view_consentrecord"),
    ("consent", "view_objectionrecord"),
    ("consent", "view_activationcheck"),
)

ROLE_ALIASES = {"data-steward": "steward", "data_steward": "steward", "datasteward": "steward"}
ROLE_CHOICES = [(role.slug, role.name) for role in ROLES.values()]


def role_by_slug(slug: str) -> Role:
    """The role named by `slug` (case-insensitive, a few aliases); KeyError names the valid ones."""
    key = ROLE_ALIASES.get(slug.strip().lower(), slug.strip().lower())
    if key not in ROLES:
        raise KeyError(f"unknown role {slug!r}; choose one of: {', '.join(ROLES)}")
    return ROLES[key]


def perm(codename: str) -> str:
    """The full permission name Django's has_perm expects."""
    if codename not in CAPABILITIES:
        raise KeyError(f"unknown capability {codename!r}")
    return f"{APP_LABEL}.{codename}"


API_KEY_PREFIX = "shl_"
API_KEY_LAST_USED_RESOLUTION_SECONDS = 60


class SegmentVisibility:
    """Who sees a segment besides its owner and the people it is shared with."""

    PRIVATE = "private"  # only the owner, shares, and overseers (SEGMENT_OVERSIGHT)
    WORKSPACE = "workspace"  # everyone with view_segments sees it; manage_segments edits it
    CHOICES = [(PRIVATE, "Private"), (WORKSPACE, "Everyone in the workspace")]


class ShareLevel:
    VIEWER = "viewer"
    EDITOR = "editor"
    CHOICES = [(VIEWER, "Can view"), (EDITOR, "Can edit")]


# Capabilities that see and edit every segment whatever its sharing (the Admin role).
SEGMENT_OVERSIGHT = ("manage_users",)
