"""Helpers for privacy tests: a person with a rich history, and a search of every table."""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.db.models.functions import Cast

from profiles.models import Identity, Profile

EMAIL = "Erin.Erasable@Example.COM"
USER_ID = "user-erase-7f3a9"
ANON_WEB = "anon-web-5c1d2e"
ANON_PHONE = "anon-phone-9b8a7f"
NAME = "Erin Erasable-Quist"


def ingest_person(send, drain, *, user_id=USER_ID, email=EMAIL, anon_web=ANON_WEB, anon_phone=ANON_PHONE, name=NAME):
    """Anonymous browsing, sign-up (identify), an order, then a phone's anonymous history linked by
    alias (a merge of two stored profiles). Returns the live profile."""
    ok = lambda response: response.status_code == 200 and response.json()["accepted"] == 1  # noqa: E731
    assert ok(send("page", {"anonymousId": anon_web, "name": "Home", "properties": {"path": "/"}}))
    drain()
    assert ok(
        send(
            "identify",
            {"userId": user_id, "anonymousId": anon_web, "traits": {"email": email, "name": name, "plan": "pro"}},
        )
    )
    assert ok(
        send(
            "track",
            {"userId": user_id, "event": "Order Completed", "properties": {"revenue": 42.5, "note": f"for {name}"}},
        )
    )
    assert ok(send("track", {"anonymousId": anon_phone, "event": "Product Viewed", "properties": {"sku": "A1"}}))
    drain()
    assert ok(send("alias", {"userId": user_id, "previousId": anon_phone}))
    drain()
    return Identity.objects.get(kind="user_id", value=user_id).profile


def text_fields(model):
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, (models.CharField, models.TextField, models.JSONField)) and not f.is_relation
    ]


def rows_containing(*needles: str) -> dict[str, int]:
    """{"app.Model.field": rows} for every text or JSON column of every table that contains one of
    the needles (case-insensitive)."""
    found: dict[str, int] = {}
    for model in apps.get_models():
        for field in text_fields(model):
            for needle in needles:
                queryset = model._default_manager.annotate(_as_text=Cast(field.name, models.TextField()))
                count = queryset.filter(_as_text__icontains=needle).count()
                if count:
                    key = f"{model._meta.label}.{field.name}"
                    found[key] = found.get(key, 0) + count
    return found


def rows_referencing_profiles(profile_ids) -> dict[str, int]:
    """{"app.Model.field": rows} for every foreign key to Profile (and every integer column named
    like one) holding one of the ids."""
    ids = list(profile_ids)
    found: dict[str, int] = {}
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            points_at_profile = field.is_relation and field.related_model is Profile
            if points_at_profile:
                count = model._default_manager.filter(**{f"{field.name}_id__in": ids}).count()
            elif model is Profile and field.primary_key:
                count = Profile.objects.filter(pk__in=ids).count()
            else:
                continue
            if count:
                found[f"{model._meta.label}.{field.name}"] = count
    return found


def marketing_purpose() -> str:
    """The seeded email_marketing purpose (re-created after a transactional test flushed it)."""
    from consent.models import Purpose

    Purpose.objects.get_or_create(slug="email_marketing", defaults={"name": "Email marketing", "is_marketing": True})
    return "email_marketing"
