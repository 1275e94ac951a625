"""Reads for privacy requests, suppression and retention (permission-aware where PII shows)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import QuerySet
from django.utils import timezone

from accounts.permissions import has_capability
from privacy.constants import RequestStatus
from privacy.models import DataSubjectRequest, ErasureWebhookEndpoint, RetentionPolicy, Suppression


def request_list(*, status: str | None = None, kind: str | None = None, overdue: bool = False) -> QuerySet:
    queryset = DataSubjectRequest.objects.select_related("assignee", "created_by").order_by("due_at", "id")
    if status == "open":
        queryset = queryset.filter(status__in=RequestStatus.OPEN)
    elif status:
        queryset = queryset.filter(status=status)
    if kind:
        queryset = queryset.filter(kind=kind)
    if overdue:
        queryset = queryset.filter(status__in=RequestStatus.OPEN, due_at__lt=timezone.now())
    return queryset


def request_get(pk: int) -> DataSubjectRequest | None:
    return DataSubjectRequest.objects.select_related("assignee", "created_by").filter(pk=pk).first()


def request_counts() -> dict[str, int]:
    now = timezone.now()
    open_requests = DataSubjectRequest.objects.filter(status__in=RequestStatus.OPEN)
    return {
        "open": open_requests.count(),
        "overdue": open_requests.filter(due_at__lt=now).count(),
        "due_soon": open_requests.filter(due_at__gte=now, due_at__lt=now + timedelta(days=7)).count(),
    }


def mask_identifier(value: str, user, *, in_list: bool = False) -> str:
    """The identifier as `user` may see it: masked ("a•••@e•••.com") in lists for everyone (as
    every list in Shoal, docs/privacy.md) and on one request's page for anyone without view_pii.
    An identifier is always personal data, whatever the trait classification says. The one switch
    for PII masking on privacy pages and API (pii.masking.mask_text)."""
    if not value or (not in_list and has_capability(user, "view_pii")):
        return value
    from pii.masking import mask_text

    return mask_text(value)


def suppression_list() -> QuerySet:
    return Suppression.objects.select_related("request").order_by("-created_at", "-id")


def webhook_endpoint_list() -> QuerySet:
    return ErasureWebhookEndpoint.objects.order_by("name", "id")


def retention_get() -> RetentionPolicy:
    return RetentionPolicy.objects.filter(pk=1).first() or RetentionPolicy(pk=1)


def segments_outliving_retention(days: int | None) -> list[dict]:
    """Active segments with an event condition that looks further back than `days` (or over all
    time): their full evaluation reads raw events, so after the retention job they can only see
    the last `days` days. [{"segment": Segment, "reason": "…"}]"""
    if not days:
        return []
    from segments.models import Segment
    from segments.rules import RuleError, parse
    from segments.rules.tree import EventCondition, walk

    limit = timedelta(days=days)
    oldest_kept = timezone.now() - limit
    found = []
    for segment in Segment.objects.filter(status=Segment.Status.ACTIVE).order_by("name"):
        try:
            rule = parse(segment.rule)
        except RuleError:
            continue  # a broken rule is reported on the segment's page
        for node in walk(rule):
            if not isinstance(node, EventCondition):
                continue
            window = node.window
            if window is None or (window.last is None and window.after is None):
                reason = f'"{node.name}" is counted over all time'
            elif window.last is not None and window.last > limit:
                reason = f'"{node.name}" looks back {window.last.days} days'
            elif window.after is not None and window.after < oldest_kept:
                reason = f'"{node.name}" looks back to {window.after.date().isoformat()}'
            else:
                continue
            found.append({"segment": segment, "reason": reason})
            break
    return found
