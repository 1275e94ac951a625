"""REST API of privacy requests: permissions, masking, the lifecycle end to end, export download,
suppression lift, retention and webhooks, and the OpenAPI document."""

from __future__ import annotations

import io
import zipfile

import pytest

from audit.models import AuditEntry
from privacy.models import Suppression
from tests.privacy.helpers import EMAIL, USER_ID, ingest_person

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

URL = "/api/v1/privacy/requests/"


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_roles_without_the_capability_are_refused(api_key_client, role):
    client = api_key_client(role)
    assert client.get(URL).status_code == 403
    assert (
        client.post(URL, {"kind": "access", "identifier_kind": "email", "identifier_value": "a@b.co"}).status_code
        == 403
    )
    assert client.get("/api/v1/privacy/suppressions/").status_code == 403
    assert client.put("/api/v1/privacy/retention/", {"event_retention_days": 1}, format="json").status_code == 403


def test_identifiers_are_masked_without_view_pii(api_key_client):
    steward = api_key_client("steward")
    created = steward.post(
        URL, {"kind": "access", "identifier_kind": "email", "identifier_value": "ana.lopez@example.com"}
    )
    assert created.status_code == 201
    assert created.json()["identifier_value"] == "ana.lopez@example.com"
    assert steward.get(URL).json()["results"][0]["identifier_value"] != "ana.lopez@example.com"  # lists mask
    assert steward.get(f"{URL}{created.json()['id']}/").json()["identifier_value"] == "ana.lopez@example.com"
    narrow = api_key_client("steward", scopes=["handle_privacy_requests"])
    listed = narrow.get(URL).json()["results"]
    assert listed[0]["identifier_value"] != "ana.lopez@example.com"
    assert "ana.lopez" not in narrow.get(f"{URL}{listed[0]['id']}/").content.decode()


def test_erasure_end_to_end_over_the_api(api_key_client, send, drain):
    ingest_person(send, drain)
    client = api_key_client("steward")
    created = client.post(
        URL, {"kind": "erasure", "identifier_kind": "user_id", "identifier_value": USER_ID}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["status"] == "received" and body["profile_id"] is not None and body["due_at"]
    pk = body["id"]
    refused = client.post(f"{URL}{pk}/erase/", {"confirm": True}, format="json")
    assert refused.status_code == 400  # identity not verified yet
    assert client.post(f"{URL}{pk}/verify/", {}, format="json").json()["status"] == "in_progress"
    assert client.post(f"{URL}{pk}/erase/", {"confirm": False}, format="json").status_code == 400
    erased = client.post(f"{URL}{pk}/erase/", {"confirm": True}, format="json")
    assert erased.status_code == 200
    detail = erased.json()
    assert detail["status"] == "completed" and detail["identifier_value"] == ""
    assert detail["evidence"]["rows_deleted"]["profiles.Profile"] == 2
    assert [entry["action"] for entry in detail["trail"]] == ["received", "verified", "erased"]

    suppressions = client.get("/api/v1/privacy/suppressions/").json()["results"]
    assert {s["kind"] for s in suppressions} == {"user_id", "email", "anonymous_id"}
    assert send("track", {"userId": USER_ID, "event": "Back"}).json()["accepted"] == 0
    user_id_entry = next(s for s in suppressions if s["kind"] == "user_id")
    assert (
        client.post(f"/api/v1/privacy/suppressions/{user_id_entry['id']}/lift/", {}, format="json").status_code == 400
    )
    lifted = client.post(
        f"/api/v1/privacy/suppressions/{user_id_entry['id']}/lift/", {"reason": "re-registered"}, format="json"
    )
    assert lifted.status_code == 204
    assert not Suppression.objects.filter(pk=user_id_entry["id"]).exists()
    assert AuditEntry.objects.filter(target_type="suppression", details__step="unsuppressed").exists()


def test_export_download_over_the_api(api_key_client, send, drain):
    ingest_person(send, drain)
    client = api_key_client("steward")
    pk = client.post(URL, {"kind": "access", "identifier_kind": "email", "identifier_value": EMAIL}).json()["id"]
    client.post(f"{URL}{pk}/verify/", {}, format="json")
    response = client.get(f"{URL}{pk}/export/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert f"personal-data-request-{pk}.zip" in response["Content-Disposition"]
    assert "data.json" in zipfile.ZipFile(io.BytesIO(response.content)).namelist()


def test_list_filters_and_overdue(api_key_client):
    client = api_key_client("steward")
    client.post(
        URL,
        {
            "kind": "access",
            "identifier_kind": "email",
            "identifier_value": "old@example.com",
            "received_at": "2020-01-01T10:00:00Z",
        },
        format="json",
    )
    client.post(
        URL, {"kind": "erasure", "identifier_kind": "email", "identifier_value": "new@example.com"}, format="json"
    )
    overdue = client.get(URL, {"overdue": "true"}).json()["results"]
    assert [r["identifier_value"] for r in overdue] == ["o•••@e•••.com"]  # lists mask for everyone
    assert overdue[0]["overdue"] is True and overdue[0]["due_at"].startswith("2020-02-01")
    assert [r["kind"] for r in client.get(URL, {"kind": "erasure"}).json()["results"]] == ["erasure"]
    assert client.get(URL, {"status": "completed"}).json()["results"] == []


def test_retention_and_webhooks_over_the_api(api_key_client):
    client = api_key_client("steward")
    assert client.get("/api/v1/privacy/retention/").json()["event_retention_days"] is None
    assert client.put("/api/v1/privacy/retention/", {"event_retention_days": 0}, format="json").status_code == 400
    assert (
        client.put("/api/v1/privacy/retention/", {"event_retention_days": 180}, format="json").json()[
            "event_retention_days"
        ]
        == 180
    )
    created = client.post(
        "/api/v1/privacy/webhooks/", {"name": "ESP", "url": "https://esp.example.com/hooks"}, format="json"
    )
    assert created.status_code == 201 and created.json()["secret"].startswith("whsec_")
    listed = client.get("/api/v1/privacy/webhooks/").json()
    assert listed[0]["name"] == "ESP" and "secret" not in listed[0]
    assert client.delete(f"/api/v1/privacy/webhooks/{listed[0]['id']}/").status_code == 204


def test_the_openapi_document_describes_the_privacy_api(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path in (
        "/api/v1/privacy/requests/",
        "/api/v1/privacy/requests/{id}/erase/",
        "/api/v1/privacy/requests/{id}/export/",
        "/api/v1/privacy/suppressions/{id}/lift/",
        "/api/v1/privacy/retention/",
    ):
        assert path in schema["paths"], path


def test_list_queries_do_not_grow_with_rows(api_key_client, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from privacy import services

    client = api_key_client("steward")
    steward = make_user("steward")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL).status_code == 200
        return len(captured)

    services.request_create(kind="access", identifier_kind="email", identifier_value="a@example.com", actor=steward)
    queries()  # warm up per-session caches (permissions, key last-used stamp)
    few = queries()
    for n in range(6):
        services.request_create(
            kind="erasure", identifier_kind="user_id", identifier_value=f"u{n}", actor=steward, assignee=steward
        )
    assert queries() == few


def test_the_trail_is_append_only(make_user):
    from privacy import services

    request = services.request_create(kind="access", identifier_kind="email", identifier_value="a@example.com")
    entry = request.trail.get()
    entry.message = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
