"""IDOR: every object endpoint, found from the URL configuration, answers 404 for an id that is
not there (or not the caller's to see) — never 200 with someone else's data, never a 500 — and
the refusal is the same whether the object exists or not for callers who lack the capability."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

MISSING = 987654
# Endpoints that validate the request body before looking the object up: an empty body answers
# 400 for every id, which reveals nothing about which ids exist (reported to the app's owner).
BODY_FIRST = {"api/v1/privacy/suppressions/<int:pk>/lift/"}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def object_routes() -> list[str]:
    routes = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith("admin/") or "^" in route or not re.search(r"<int:\w+>", route):
            continue
        routes.append(route)
    return sorted(set(routes))


def fill(route: str, value: int) -> str:
    return "/" + re.sub(r"<(?:\w+:)?\w+>", lambda m: str(value) if "int:" in m.group(0) else "x", route)


def test_there_are_object_endpoints_to_check():
    routes = object_routes()
    assert "api/v1/profiles/<int:pk>/" in routes and "api/v1/segments/<int:pk>/" in routes
    assert "privacy/pii/reveal/<int:profile_id>/" in routes


@pytest.mark.parametrize("route", object_routes())
def test_an_unknown_id_is_a_404_for_every_method(client, make_user, route):
    client.force_login(make_user("admin"))
    url = fill(route, MISSING)
    for method in ("get", "post", "patch", "delete"):
        response = getattr(client, method)(url, {}, content_type="application/json")
        allowed = (400, 404, 405) if route in BODY_FIRST else (404, 405)
        assert response.status_code in allowed, f"{method.upper()} {url}: {response.status_code}"


@pytest.mark.parametrize("route", [r for r in object_routes() if r.startswith("api/")])
def test_a_key_without_the_capability_is_refused_the_same_way_for_any_id(api_key_client, route, source):
    """403 whether the object exists or not: refusals do not reveal which ids exist."""
    client = api_key_client("admin", scopes=["view_dashboards"])
    existing, missing = fill(route, 1), fill(route, MISSING)
    for method in ("get", "post", "delete"):
        first = getattr(client, method)(existing, {}, format="json").status_code
        second = getattr(client, method)(missing, {}, format="json").status_code
        assert first == second, (
            f"{method.upper()} {route}: {first} for an id that exists, {second} for one that does not"
        )
        assert first in (403, 405), f"{method.upper()} {route}: {first}"
