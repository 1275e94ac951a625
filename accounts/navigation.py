"""The main navigation: one table, filtered by what the signed-in person may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from accounts.permissions import has_capability


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    capabilities: tuple[str, ...] = ()  # any one of them shows the item; empty = everyone
    staff_only: bool = False


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("Overview", "home", "home"),
    NavItem("Profiles", "profiles:index", "users", ("view_profiles",)),
    NavItem("Segments", "segments:index", "segments", ("view_segments",)),
    NavItem("Campaigns", "campaigns:index", "send", ("view_campaigns",)),
    NavItem("Dashboards", "dashboards:index", "chart", ("view_dashboards",)),
    NavItem("Sources", "sources:index", "plug", ("manage_sources",)),
    NavItem("Consent & privacy", "consent:index", "shield", ("manage_consent", "handle_privacy_requests")),
    NavItem("Admin", "admin:index", "settings", staff_only=True),
)


def visible_navigation(user, current_path: str) -> list[dict]:
    items = []
    for item in NAVIGATION:
        if item.staff_only and not user.is_staff:
            continue
        if item.capabilities and not any(has_capability(user, c) for c in item.capabilities):
            continue
        url = reverse(item.url_name)
        active = current_path == url if url == "/" else current_path.startswith(url)
        items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
    return items
