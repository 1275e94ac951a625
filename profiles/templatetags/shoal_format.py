"""Template helpers for showing data: relative times, money, JSON and trait values."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()

_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


def relative(moment: datetime, now: datetime | None = None) -> str:
    """ "3 minutes ago", "2 days ago", "in 1 hour", "just now"."""
    seconds = ((now or timezone.now()) - moment).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    for unit, size in _UNITS:
        if seconds >= size:
            count = int(seconds // size)
            text = f"{count} {unit}{'' if count == 1 else 's'}"
            return f"in {text}" if future else f"{text} ago"
    return "in 1 minute" if future else "1 minute ago"


@register.simple_tag
def timeago(moment: datetime | None, empty: str = "—"):
    """<time> showing a relative time, with the exact UTC time on hover and for machines."""
    if moment is None:
        return format_html('<span class="muted">{}</span>', empty)
    exact = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")
    return format_html('<time datetime="{}" title="{}">{}</time>', moment.isoformat(), exact, relative(moment))


@register.filter
def exact_time(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


@register.filter
def money(value) -> str:
    """12345.5 → "12,345.50" (the workspace has one currency; none is assumed here)."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


@register.filter
def trait_value(value) -> str:
    """Strings as they are; other JSON values (numbers, booleans, objects) as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


@register.filter
def iso_time(value) -> datetime | None:
    """Parse an ISO 8601 string (like a trait timestamp) into a datetime for `timeago`."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def event_summary(event, limit: int = 3) -> str:
    """A one-line glimpse of an event's data: its first few properties (traits for identify)."""
    data = event.traits if event.type in ("identify", "group") else event.properties
    if not isinstance(data, dict) or not data:
        return ""
    shown = [f"{key}: {trait_value(value)}" for key, value in list(data.items())[:limit]]
    more = len(data) - limit
    return " · ".join(shown) + (f" · +{more} more" if more > 0 else "")
