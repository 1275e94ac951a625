"""REST API for consent: a profile's consent (GET/PUT), history, purposes, mapping, the activation
check, permissions per role, and segment membership reacting to a withdrawal made through it."""

import pytest

from consent.models import ActivationCheck, ConsentRecord, Purpose
from consent.services import ip_hash
from profiles.models import Profile
from segments.engine import evaluate_segment
from segments.models import MembershipChange
from segments.services import segment_create
from tests.consent.helpers import members

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def url(profile, suffix=""):
    return f"/api/v1/profiles/{profile.pk}/consent/{suffix}"


def put(client, profile, body):
    return client.put(url(profile), body, format="json")


def by_purpose(body):
    return {p["purpose"]: p for p in body["purposes"]}


def test_put_then_get_a_profiles_consent(api_key_client):
    client = api_key_client("steward")
    profile = Profile.objects.create()
    response = put(
        client,
        profile,
        {
            "purposes": {"email_marketing": "granted", "analytics": False},
            "evidence": {
                "policy_version": "2026-03",
                "collection_point": "checkout",
                "ip": "203.0.113.5",
                "user_agent": "UA/1",
            },
        },
    )
    assert response.status_code == 200, response.json()
    purposes = by_purpose(response.json())
    assert (purposes["email_marketing"]["state"], purposes["email_marketing"]["granted"]) == ("granted", True)
    assert purposes["analytics"]["state"] == "denied"
    assert purposes["sms_marketing"]["state"] is None
    record = ConsentRecord.objects.get(purpose__slug="email_marketing")
    assert record.source == "api"
    assert record.evidence["ip_hash"] == ip_hash("203.0.113.5")
    assert record.evidence["collection_point"] == "checkout"
    assert client.get(url(profile)).json() == response.json()


def test_false_after_granted_is_recorded_as_withdrawn_and_objection_is_reported(api_key_client):
    client = api_key_client("admin")
    profile = Profile.objects.create()
    put(client, profile, {"purposes": {"email_marketing": True}})
    body = put(client, profile, {"purposes": {"email_marketing": False}, "objected": True}).json()
    assert by_purpose(body)["email_marketing"]["state"] == "withdrawn"
    assert body["objected"] is True and body["objection_since"]


def test_bad_input_is_a_400_naming_the_problem(api_key_client):
    client = api_key_client("steward")
    profile = Profile.objects.create()
    assert put(client, profile, {"purposes": {"telepathy": "granted"}}).json()["code"] == "invalid"
    response = put(client, profile, {"purposes": {"email_marketing": "perhaps"}})
    assert response.status_code == 400 and "purposes" in response.json()["details"]
    assert put(client, profile, {}).status_code == 400
    assert not ConsentRecord.objects.exists()
    assert client.get("/api/v1/profiles/999999/consent/").status_code == 404


@pytest.mark.parametrize(
    ("role", "can_read", "can_write"), [("admin", 1, 1), ("steward", 1, 1), ("marketer", 1, 0), ("analyst", 1, 0)]
)
def test_permissions_per_role(api_key_client, role, can_read, can_write):
    client = api_key_client(role)
    profile = Profile.objects.create()
    assert client.get(url(profile)).status_code == (200 if can_read else 403)
    assert put(client, profile, {"purposes": {"analytics": "granted"}}).status_code == (200 if can_write else 403)
    created = client.post("/api/v1/consent/purposes/", {"slug": "push", "name": "Push"}, format="json")
    assert created.status_code == (201 if can_write else 403)


def test_unauthenticated_requests_are_refused(api_client):
    profile = Profile.objects.create()
    assert api_client.get(url(profile)).status_code in (401, 403)


def test_a_withdrawal_through_the_api_leaves_the_segment_with_the_consent_cause(api_key_client):
    client = api_key_client("steward")
    profile = Profile.objects.create()
    put(client, profile, {"purposes": {"email_marketing": "granted"}})
    segment = segment_create(name="Emailable", rule={"consent": "email_marketing"})
    evaluate_segment(segment.pk)
    assert members(segment) == {profile.pk}
    put(client, profile, {"purposes": {"email_marketing": "withdrawn"}})
    assert members(segment) == set()
    change = MembershipChange.objects.filter(segment=segment).order_by("-id").first()
    assert (change.entered, change.cause) == (False, "consent")


def test_history_is_newest_first_and_masks_user_agents_without_view_pii(api_key_client):
    steward, marketer = api_key_client("steward"), api_key_client("marketer")
    profile = Profile.objects.create()
    put(
        steward,
        profile,
        {
            "purposes": {"sms_marketing": "granted"},
            "evidence": {"user_agent": "UA/2"},
            "occurred_at": "2026-01-01T00:00:00Z",
        },
    )
    put(steward, profile, {"purposes": {"sms_marketing": "withdrawn"}, "occurred_at": "2026-02-01T00:00:00Z"})
    body = steward.get(url(profile, "history/")).json()
    assert [r["state"] for r in body["results"]] == ["withdrawn", "granted"]
    assert body["results"][1]["evidence"]["user_agent"] == "UA/2"
    assert marketer.get(url(profile, "history/")).json()["results"][1]["evidence"]["user_agent"] == "•••"


def test_purposes_crud(api_key_client):
    client = api_key_client("steward")
    assert {p["slug"] for p in client.get("/api/v1/consent/purposes/").json()} >= {"analytics", "email_marketing"}
    created = client.post(
        "/api/v1/consent/purposes/",
        {"slug": "push", "name": "Push", "description": "App notifications", "legal_text_version": "v3"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["is_marketing"] is True
    assert client.post("/api/v1/consent/purposes/", {"slug": "push", "name": "Again"}, format="json").status_code == 400
    patched = client.patch("/api/v1/consent/purposes/push/", {"legal_text_version": "v4"}, format="json")
    assert patched.json()["legal_text_version"] == "v4"
    assert client.delete("/api/v1/consent/purposes/push/").status_code == 204
    assert not Purpose.objects.filter(slug="push").exists()


def test_mapping_api(api_key_client):
    client = api_key_client("steward")
    created = client.post("/api/v1/consent/mappings/", {"category": "C0005", "purpose": "advertising"}, format="json")
    assert created.status_code == 201
    categories = [m["category"] for m in client.get("/api/v1/consent/mappings/").json()]
    assert "C0005" in categories
    assert client.delete(f"/api/v1/consent/mappings/{created.json()['id']}/").status_code == 204


def test_decide_endpoint_answers_and_records(api_key_client):
    steward, marketer, analyst = api_key_client("steward"), api_key_client("marketer"), api_key_client("analyst")
    profile = Profile.objects.create()
    put(steward, profile, {"purposes": {"personalization": "granted"}})
    body = {
        "profile_id": profile.pk,
        "purpose": "personalization",
        "channel": "personalization",
        "context": {"slot": "hero"},
    }
    answer = marketer.post("/api/v1/consent/decide/", body, format="json").json()
    assert answer["allowed"] is True and answer["reason"] == "granted"
    assert ActivationCheck.objects.get(pk=answer["check_id"]).context == {"slot": "hero"}
    assert analyst.post("/api/v1/consent/decide/", body, format="json").status_code == 403
    checks = steward.get(url(profile, "checks/")).json()["results"]
    assert [c["channel"] for c in checks] == ["personalization"]


def test_consent_endpoints_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/profiles/{id}/consent/" in schema["paths"] or "/api/v1/profiles/{pk}/consent/" in schema["paths"]
    assert "/api/v1/consent/purposes/" in schema["paths"]


def test_reading_consent_and_history_costs_a_fixed_number_of_queries(api_key_client, django_assert_max_num_queries):
    client = api_key_client("steward")
    profile = Profile.objects.create()
    for i in range(20):
        put(client, profile, {"purposes": {"email_marketing": "granted" if i % 2 else "withdrawn"}})
    with django_assert_max_num_queries(10):
        assert len(client.get(url(profile, "history/")).json()["results"]) == 20
    with django_assert_max_num_queries(10):
        assert client.get(url(profile)).status_code == 200


def test_consent_and_purpose_changes_are_audited_without_personal_data(api_key_client):
    from audit.models import AuditEntry

    client = api_key_client("steward")
    profile = Profile.objects.create()
    put(client, profile, {"purposes": {"email_marketing": "granted"}, "evidence": {"ip": "203.0.113.5"}})
    client.post("/api/v1/consent/purposes/", {"slug": "push", "name": "Push"}, format="json")
    entry = AuditEntry.objects.get(action="consent.changed")
    assert (entry.target_type, entry.target_id) == ("profile", str(profile.pk))
    assert entry.details["states"] == {"email_marketing": "granted"}
    assert "203.0.113.5" not in str(entry.details)
    assert AuditEntry.objects.filter(action="consent.purpose_changed", details__purpose="push").exists()
