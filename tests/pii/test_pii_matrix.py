"""The PII matrix: every role, every surface, a profile full of personal data.

Surfaces are found, not listed: every GET route of the URL configuration (pages, REST API, CSV
exports) is requested with ids filled in from the test data, plus the steward console's pages for
every registered model and the segment endpoints that take a POST. A route added later is in
the matrix without anyone touching this file.

Roles without `view_pii` (Marketer, Analyst, and API keys whose scopes leave it out) must never
receive a raw value of the profile's personal data. Roles with it (Admin, Data Steward) must not
either, unless the surface is one whose purpose is to hand personal data over (a data subject's
own export, the audited reveal, the privacy request pages: listed below with their reason).
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from profiles.models import Identity
from segments.engine import evaluate_segment
from segments.services import segment_create

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

ROLES = ["admin", "steward", "marketer", "analyst"]
WITHOUT_VIEW_PII = {"marketer", "analyst"}

EMAIL = "quinta.secret@example.org"
NAME = "Quinta Secreta"
PHONE = "+351 912 345 678"
STREET = "Rua Secreta 99"
IP = "198.51.100.23"
BIRTHDAY = "1990-04-01"
SECRETS = [EMAIL, "quinta.secret", NAME, "Quinta", "Secreta", "912 345 678", "912345678", STREET, IP, BIRTHDAY]

# Surfaces whose purpose is to give personal data to someone entitled to it (view_pii roles only).
HANDS_OVER_PII = {
    r"^privacy/requests/": "data subject requests: the steward works with the requester's identifier",
    r"^api/v1/privacy/requests/": "the same, over the API",
    r"^privacy/profiles/\d+/consent/": "a person's consent record, for the steward who manages it",
}
SKIPPED_ROUTES = (
    "v1/",  # the tracking API takes events in; it answers with counts only
    "logout/",
    "preferences/",  # the person's own preference centre, reached by a signed token
)


def leaked(text: str, url: str = "") -> list[str]:
    """The secrets in `text`, after removing what the caller typed (a search box echoes its query)."""
    text = html.unescape(text).lower()
    for value in parse_qs(urlsplit(url).query).get("q", []):
        text = text.replace(value.lower(), "")
    return [secret for secret in SECRETS if secret.lower() in text]


@pytest.fixture
def person(send, drain):
    send(
        "identify",
        {
            "userId": "u-matrix-1",
            "anonymousId": "anon-matrix",
            "traits": {
                "email": EMAIL,
                "name": NAME,
                "phone": PHONE,
                "address": {"street": STREET, "city": "Porto"},
                "birthday": BIRTHDAY,
                "plan": "pro",
            },
            "context": {"ip": IP},
        },
    )
    send("identify", {"userId": "u-matrix-1", "traits": {"name": f"{NAME} Jr"}})  # trait history
    send(
        "track",
        {
            "userId": "u-matrix-1",
            "event": "Order Completed",
            "properties": {"revenue": 10, "email": EMAIL, "address": {"street": STREET}},
            "context": {"ip": IP, "traits": {"email": EMAIL}},
        },
    )
    drain()
    profile_id = Identity.objects.get(kind="user_id", value="u-matrix-1").profile_id
    segment = segment_create(name="Pro plan", rule={"trait": "plan", "op": "eq", "value": "pro"})
    evaluate_segment(segment.pk)
    return {"profile": profile_id, "segment": segment.pk}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def surfaces(ids: dict, source_id: int) -> list[str]:
    """Every GET route, ids filled in: a profile id after profiles/profile, a segment id after
    segments, and so on; anything else gets an id that exists for some object."""
    by_segment = {
        "profiles": ids["profile"],
        "profile": ids["profile"],
        "segments": ids["segment"],
        "sources": source_id,
    }
    urls = []
    for route in _routes(get_resolver().url_patterns):
        if route.startswith(("admin/", *SKIPPED_ROUTES)) or "^" in route or "(?" in route:
            continue
        parts, previous = [], ""
        for part in route.split("/"):
            match = re.fullmatch(r"<(?:(\w+):)?(\w+)>", part)
            if match:
                converter, name = match.groups()
                if name == "profile_id":
                    part = str(ids["profile"])
                elif converter in (None, "int"):
                    part = str(by_segment.get(previous, ids["profile"]))
                else:
                    part = "x"
            parts.append(part)
            previous = part
        urls.append("/" + "/".join(parts))
    urls += [
        "/profiles/?q=quinta",
        f"/api/v1/profiles/?email={EMAIL}",
        "/api/v1/profiles/?q=Quinta",
        f"/api/v1/profiles/{ids['profile']}/events/",
        f"/api/v1/segments/{ids['segment']}/members/",
        f"/api/v1/segments/{ids['segment']}/explain/{ids['profile']}/",
        "/api/v1/segments/schema/",
        "/api/v1/segments/schema/values/?kind=trait&key=email",
        "/api/v1/segments/schema/values/?kind=trait&key=name&q=Q",
        "/api/v1/segments/schema/values/?kind=property&key=email&event=Order%20Completed",
        "/api/v1/segments/schema/properties/?event=Order%20Completed",
    ]
    return sorted(set(urls))


def admin_surfaces(ids: dict) -> list[str]:
    urls = []
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        urls.append(base)
        first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
        if first is not None:
            urls.append(f"{base}{first}/change/")
    urls.append(f"/admin/profiles/profile/{ids['profile']}/change/")
    return urls


def _hands_over(url: str) -> bool:
    return any(re.match(pattern, url.lstrip("/")) for pattern in HANDS_OVER_PII)


def _text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize("role", ROLES)
def test_no_page_api_answer_csv_or_console_page_shows_raw_pii(client, make_user, api_key_client, source, person, role):
    user = make_user(role)
    client.force_login(user)
    key_client = api_key_client(role)
    problems, seen = [], 0
    for url in surfaces(person, source.pk) + admin_surfaces(person):
        if role not in WITHOUT_VIEW_PII and _hands_over(url):
            continue
        for who, caller in (("session", client), ("api key", key_client)):
            if who == "api key" and not url.startswith("/api/"):
                continue
            response = caller.get(url)
            assert response.status_code < 500, f"{url} answered {response.status_code} to {role} ({who})"
            seen += response.status_code == 200
            found = leaked(_text(response), url)
            if found:
                problems.append(f"{role} ({who}) GET {url}: {found}")
    assert not problems, "raw personal data reached a role:\n" + "\n".join(problems)
    assert seen > 20  # the matrix really read pages, not only refusals


@pytest.mark.parametrize("role", ROLES)
def test_segment_previews_and_impact_show_no_raw_pii(api_key_client, person, role):
    client = api_key_client(role)
    rule = {"trait": "plan", "op": "eq", "value": "pro"}
    for url in ("/api/v1/segments/preview/", f"/api/v1/segments/{person['segment']}/impact/"):
        response = client.post(url, {"rule": rule}, format="json")
        assert response.status_code in (200, 403)
        assert not leaked(response.content.decode()), (role, url)
    preview = api_key_client("analyst").post("/api/v1/segments/preview/", {"rule": rule}, format="json").json()
    assert preview["count"] == 1 and preview["sample"][0]["email"] == "q•••@e•••.org"


def test_an_api_key_scoped_without_view_pii_gets_masked_values_and_cannot_reveal(api_key_client, person):
    client = api_key_client("admin", scopes=["view_profiles", "view_segments"])
    body = client.get(f"/api/v1/profiles/{person['profile']}/").json()
    assert not leaked(str(body)) and body["traits"]["plan"] == "pro"
    assert client.post(f"/api/v1/profiles/{person['profile']}/reveal/").status_code == 403


def test_error_messages_do_not_echo_personal_data(api_key_client, person):
    client = api_key_client("analyst")
    for url in (
        f"/api/v1/profiles/?email={EMAIL}&limit=abc",
        "/api/v1/profiles/?q=" + "Quinta" * 50,
        f"/api/v1/segments/schema/values/?kind=nope&key={EMAIL}",
    ):
        response = client.get(url)
        assert not leaked(response.content.decode()), url


@pytest.mark.parametrize("role", ROLES)
def test_masked_values_are_still_useful(api_key_client, person, role):
    body = api_key_client(role).get(f"/api/v1/profiles/{person['profile']}/").json()
    assert body["traits"]["email"] == "q•••@e•••.org"
    assert body["traits"]["address"] == {"street": "R•• S•••••• 9••", "city": "P••••"}
    assert body["traits"]["plan"] == "pro"  # normal traits are untouched
    assert {i["kind"]: i["value"] for i in body["identities"]}["user_id"] == "u-matrix-1"
