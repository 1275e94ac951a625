"""Deleting raw events in bulk without loading them: the references other tables keep to an event
(trait history, merges, ledger rows, consent records: all `SET_NULL`) are cleared first, then the
rows go with one DELETE. Django's own delete() would read every row (JSON columns included) to
find what points at it."""

from __future__ import annotations

from django.db import models

from ingestion.models import Event


def _references():
    for rel in Event._meta.get_fields(include_hidden=True):
        if rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one):
            yield rel


def events_delete(ids: list[int]) -> int:
    """Delete these events (inside the caller's transaction); returns how many were deleted."""
    if not ids:
        return 0
    for rel in _references():
        related = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": ids})
        if rel.on_delete is models.SET_NULL:
            related.update(**{rel.field.name: None})
        elif rel.on_delete is models.DO_NOTHING:
            continue
        else:  # CASCADE, PROTECT, …: let Django apply the rule
            return Event.objects.filter(pk__in=ids).delete()[1].get("ingestion.Event", 0)
    queryset = Event.objects.filter(pk__in=ids)
    return queryset._raw_delete(queryset.db)
