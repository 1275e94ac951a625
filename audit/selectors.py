"""Reads of the audit log: one filtered queryset for the page, the CSV export and the API."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from audit.models import AuditEntry


def audit_list(
    *,
    actor: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> QuerySet[AuditEntry]:
    """Entries newest first. `actor` matches the actor's label (username or `api-key:<prefix>`)
    from its start, ignoring case; `action` is a slug or a prefix ending in "." (e.g. "login.");
    a date `until` includes that whole day (UTC)."""
    entries = AuditEntry.objects.all()
    if actor:
        entries = entries.filter(actor_label__istartswith=actor.strip())
    if action:
        entries = entries.filter(action__startswith=action) if action.endswith(".") else entries.filter(action=action)
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id:
        entries = entries.filter(target_id=str(target_id))
    if since:
        entries = entries.filter(at__gte=_moment(since))
    if until:
        entries = entries.filter(at__lt=_moment(until, end_of_day=True))
    return entries.order_by("-at", "-id")


def _moment(value: date | datetime, *, end_of_day: bool = False) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)
    moment = datetime.combine(value, time.min, tzinfo=UTC)
    return moment + timedelta(days=1) if end_of_day else moment


def audit_actors() -> list[str]:
    """Actor labels seen (for the filter's suggestions)."""
    return sorted(set(AuditEntry.objects.exclude(actor_label="").values_list("actor_label", flat=True)[:5000]))
