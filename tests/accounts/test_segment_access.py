"""Per-segment access: private segments, sharing with people and roles, and IDOR on every
segment endpoint (a segment you may not see answers 404, exactly like one that does not exist)."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from audit.constants import AuditAction
from audit.models import AuditEntry

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

RULE = {"trait": "plan", "op": "eq", "value": "pro"}


@pytest.fixture
def people(make_user, api_client):
    from rest_framework.test import APIClient

    def client_for(user):
        client = APIClient()
        client.force_login(user)  # a session: pages and API alike
        return client

    owner, other, admin = (
        make_user("marketer", username="owner"),
        make_user("marketer", username="other"),
        make_user("admin"),
    )
    analyst = make_user("analyst", username="ann")
    return {
        name: (user, client_for(user))
        for name, user in {"owner": owner, "other": other, "admin": admin, "analyst": analyst}.items()
    }


@pytest.fixture
def private_segment(people):
    _, owner = people["owner"]
    segment = owner.post("/api/v1/segments/", {"name": "Owner's VIPs", "rule": RULE}, format="json").json()
    answer = owner.put(f"/api/v1/segments/{segment['id']}/access/", {"visibility": "private"}, format="json")
    assert answer.status_code == 200 and answer.json()["visibility"] == "private"
    return segment["id"]


def ids(response) -> list[int]:
    return [s["id"] for s in response.json()]


def test_segments_are_workspace_visible_by_default(people):
    _, owner = people["owner"]
    _, other = people["other"]
    segment = owner.post("/api/v1/segments/", {"name": "Shared", "rule": RULE}, format="json").json()
    assert segment["id"] in ids(other.get("/api/v1/segments/"))
    assert other.patch(f"/api/v1/segments/{segment['id']}/", {"name": "Renamed"}, format="json").status_code == 200


def test_a_private_segment_is_hidden_from_others_but_not_from_admins(people, private_segment):
    _, other = people["other"]
    _, admin = people["admin"]
    _, owner = people["owner"]
    assert private_segment not in ids(other.get("/api/v1/segments/"))
    assert other.get(f"/api/v1/segments/{private_segment}/").status_code == 404
    assert private_segment in ids(owner.get("/api/v1/segments/"))
    assert private_segment in ids(admin.get("/api/v1/segments/"))
    entry = AuditEntry.objects.filter(action=AuditAction.SEGMENT_SHARED).latest("id")
    assert entry.actor_label == "owner" and entry.details == {"visibility": "private"}


def segment_routes() -> list[str]:
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return sorted({r for r in walk(get_resolver().url_patterns) if re.search(r"segments/<int:(pk|segment_id)>", r)})


def test_every_segment_endpoint_answers_404_for_a_segment_you_may_not_see(people, private_segment, source):
    from profiles.models import Profile

    profile = Profile.objects.create()
    _, other = people["other"]
    routes = segment_routes()
    assert len(routes) >= 8
    for route in routes:
        url = "/" + re.sub(r"<int:(pk|segment_id)>", str(private_segment), route)
        url = re.sub(r"<int:\w+>", str(profile.pk), url)
        hidden = {
            m: getattr(other, m)(url, {"rule": RULE}, format="json").status_code
            for m in ("get", "post", "patch", "put", "delete")
        }
        missing_url = url.replace(f"/{private_segment}/", "/987654/", 1)
        missing = {m: getattr(other, m)(missing_url, {"rule": RULE}, format="json").status_code for m in hidden}
        assert hidden == missing, f"{route}: {hidden} for a hidden segment, {missing} for no segment"
        assert set(hidden.values()) <= {404, 405}, f"{route}: {hidden}"


def test_sharing_with_a_person_as_viewer_then_editor(people, private_segment):
    _, owner = people["owner"]
    _, other = people["other"]
    url = f"/api/v1/segments/{private_segment}/access/"
    owner.put(url, {"shares": [{"user": "other", "level": "viewer"}]}, format="json")
    assert other.get(f"/api/v1/segments/{private_segment}/").status_code == 200
    assert other.get(f"/api/v1/segments/{private_segment}/members/").status_code == 200
    assert other.patch(f"/api/v1/segments/{private_segment}/", {"name": "x"}, format="json").status_code == 403
    assert other.put(url, {"visibility": "workspace"}, format="json").status_code == 403  # only the owner shares
    owner.put(url, {"shares": [{"user": "other", "level": "editor"}]}, format="json")
    assert other.patch(f"/api/v1/segments/{private_segment}/", {"name": "x"}, format="json").status_code == 200
    owner.put(url, {"shares": []}, format="json")
    assert other.get(f"/api/v1/segments/{private_segment}/").status_code == 404


def test_sharing_with_a_role_covers_its_people_and_its_api_keys(people, private_segment, api_key_client):
    _, owner = people["owner"]
    _, analyst = people["analyst"]
    key = api_key_client("analyst")
    assert analyst.get(f"/api/v1/segments/{private_segment}/").status_code == 404
    assert key.get(f"/api/v1/segments/{private_segment}/").status_code == 404
    owner.put(
        f"/api/v1/segments/{private_segment}/access/",
        {"shares": [{"role": "Analyst", "level": "viewer"}]},
        format="json",
    )
    assert analyst.get(f"/api/v1/segments/{private_segment}/").status_code == 200
    assert key.get(f"/api/v1/segments/{private_segment}/").status_code == 200


def test_a_rule_cannot_reach_into_a_segment_you_may_not_see(people, private_segment):
    _, other = people["other"]
    rule = {"segment": private_segment}
    for response in (
        other.post("/api/v1/segments/", {"name": "Piggyback", "rule": rule}, format="json"),
        other.post("/api/v1/segments/preview/", {"rule": rule}, format="json"),
    ):
        assert response.status_code == 400
        assert f"segment {private_segment} does not exist" in str(response.json())


def test_bad_shares_are_refused(people, private_segment):
    _, owner = people["owner"]
    url = f"/api/v1/segments/{private_segment}/access/"
    assert owner.put(url, {"shares": [{"user": "nobody", "level": "viewer"}]}, format="json").status_code == 400
    assert (
        owner.put(url, {"shares": [{"user": "other", "role": "Analyst", "level": "viewer"}]}, format="json").status_code
        == 400
    )
    assert owner.put(url, {"visibility": "secret"}, format="json").status_code == 400


def test_the_workspace_default_can_be_private(people, settings):
    settings.SEGMENT_DEFAULT_VISIBILITY = "private"
    _, owner = people["owner"]
    _, other = people["other"]
    segment = owner.post("/api/v1/segments/", {"name": "Mine", "rule": RULE}, format="json").json()
    assert other.get(f"/api/v1/segments/{segment['id']}/").status_code == 404
    assert owner.get(f"/api/v1/segments/{segment['id']}/access/").json()["visibility"] == "private"


def test_pages_hide_private_segments_too(client, people, private_segment):
    other, _ = people["other"]
    client.force_login(other)
    assert "Owner&#x27;s VIPs" not in client.get("/segments/").content.decode()
    assert client.get(f"/segments/{private_segment}/").status_code == 404
    assert client.get(f"/segments/{private_segment}/edit/").status_code == 404


def test_the_owner_shares_on_the_sharing_page(client, people, private_segment):
    owner, _ = people["owner"]
    other, _ = people["other"]
    client.force_login(owner)
    page = client.get(f"/segments/{private_segment}/sharing/").content.decode()
    assert "Who can see" in page and "Save visibility" in page
    client.post(f"/segments/{private_segment}/sharing/", {"action": "add", "who": "other", "level": "viewer"})
    client.post(f"/segments/{private_segment}/sharing/", {"action": "add", "who": "Analyst", "level": "viewer"})
    page = client.get(f"/segments/{private_segment}/sharing/").content.decode()
    assert "other" in page and "Analyst" in page
    client.force_login(other)
    assert client.get(f"/segments/{private_segment}/").status_code == 200
    shared = client.get(f"/segments/{private_segment}/sharing/").content.decode()
    assert "Only the owner or an admin can change this" in shared
    assert (
        client.post(
            f"/segments/{private_segment}/sharing/", {"action": "visibility", "visibility": "workspace"}
        ).status_code
        == 403
    )
    client.force_login(owner)
    client.post(f"/segments/{private_segment}/sharing/", {"action": "remove", "index": "0"})
    client.force_login(other)
    assert client.get(f"/segments/{private_segment}/").status_code == 404
    assert client.get(f"/segments/{private_segment}/sharing/").status_code == 404


def test_a_profile_does_not_name_the_private_segments_it_is_in(client, people, private_segment, send, drain):
    from segments.engine import evaluate_segment

    send("identify", {"userId": "p1", "traits": {"plan": "pro"}})
    drain()
    evaluate_segment(private_segment)
    from profiles.models import Identity

    profile_id = Identity.objects.get(value="p1").profile_id
    other, other_api = people["other"]
    owner, owner_api = people["owner"]
    assert [s["id"] for s in owner_api.get(f"/api/v1/profiles/{profile_id}/").json()["segments"]] == [private_segment]
    assert other_api.get(f"/api/v1/profiles/{profile_id}/").json()["segments"] == []
    client.force_login(other)
    assert "Owner&#x27;s VIPs" not in client.get(f"/profiles/{profile_id}/").content.decode()
    client.force_login(owner)
    assert "Owner&#x27;s VIPs" in client.get(f"/profiles/{profile_id}/").content.decode()
