"""Steward pages: requests list and filters, logging a request, the detail page's steps, erasure
with confirmation, the suppression list, retention and webhooks."""

from __future__ import annotations

import pytest

from privacy import services
from privacy.models import DataSubjectRequest, ErasureWebhookEndpoint, Suppression
from profiles.models import Identity
from segments.services import segment_create
from tests.privacy.helpers import EMAIL, USER_ID, ingest_person

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


@pytest.fixture
def steward_client(client, make_user):
    client.force_login(make_user("steward"))
    return client


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_pages_need_the_capability(client, make_user, role):
    client.force_login(make_user(role))
    for url in (
        "/privacy/requests/",
        "/privacy/requests/new/",
        "/privacy/requests/suppressions/",
        "/privacy/requests/retention/",
    ):
        assert client.get(url).status_code == 403, url


def test_empty_list_says_what_to_do(steward_client):
    page = steward_client.get("/privacy/requests/").content.decode()
    assert "No open requests" in page
    assert 'href="/privacy/requests/new/"' in page


def test_log_a_request_then_verify_and_export(steward_client, send, drain):
    ingest_person(send, drain)
    response = steward_client.post(
        "/privacy/requests/new/",
        {
            "kind": "access",
            "identifier_kind": "email",
            "identifier_value": EMAIL,
            "received_at": "2026-01-31",
            "notes": "",
        },
    )
    request = DataSubjectRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/privacy/requests/{request.pk}/"
    assert request.due_at.date().isoformat() == "2026-02-28"
    listed = steward_client.get("/privacy/requests/").content.decode()
    assert f"#{request.pk}" in listed and "Overdue" in listed
    assert EMAIL not in listed and EMAIL.lower() not in listed  # lists mask for everyone
    assert EMAIL in steward_client.get(f"/privacy/requests/{request.pk}/").content.decode()
    detail = steward_client.get(f"/privacy/requests/{request.pk}/").content.decode()
    assert "Identity verified" in detail and "Download export" not in detail
    steward_client.post(f"/privacy/requests/{request.pk}/verify/")
    detail = steward_client.get(f"/privacy/requests/{request.pk}/").content.decode()
    assert "Download export (zip)" in detail
    download = steward_client.get(f"/privacy/requests/{request.pk}/export/")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    trail = steward_client.get(f"/privacy/requests/{request.pk}/").content.decode()
    assert "Data exported" in trail and "Identity verified" in trail


def test_the_form_can_be_prefilled_from_a_link(steward_client):
    page = steward_client.get("/privacy/requests/new/?kind=erasure&identifier_kind=profile_id&identifier_value=42")
    html = page.content.decode()
    assert '<option value="erasure" selected>' in html
    assert '<option value="profile_id" selected>' in html
    assert 'value="42"' in html


def test_the_form_explains_a_bad_identifier_kind(steward_client):
    response = steward_client.post(
        "/privacy/requests/new/", {"kind": "access", "identifier_kind": "passport", "identifier_value": "x"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_erasure_needs_the_typed_confirmation(steward_client, send, drain):
    ingest_person(send, drain)
    request = services.request_create(kind="erasure", identifier_kind="user_id", identifier_value=USER_ID)
    steward_client.post(f"/privacy/requests/{request.pk}/verify/")
    page = steward_client.post(
        f"/privacy/requests/{request.pk}/erase/", {"confirm": "yes"}, follow=True
    ).content.decode()
    assert "Type ERASE to confirm" in page
    assert Identity.objects.filter(value=USER_ID).exists()
    page = steward_client.post(
        f"/privacy/requests/{request.pk}/erase/", {"confirm": "ERASE"}, follow=True
    ).content.decode()
    assert "The person was erased" in page
    assert "Evidence of erasure" in page and "profiles.Profile" in page
    assert not Identity.objects.filter(value=USER_ID).exists()
    assert USER_ID not in page and EMAIL.lower() not in page.lower()

    suppressions = steward_client.get("/privacy/requests/suppressions/").content.decode()
    assert suppressions.count("Lift suppression") == Suppression.objects.count() == 4
    entry = Suppression.objects.get(kind="user_id")
    page = steward_client.post(
        f"/privacy/requests/suppressions/{entry.pk}/lift/", {"reason": "Asked to come back"}, follow=True
    )
    assert "Suppression lifted" in page.content.decode()
    assert not Suppression.objects.filter(pk=entry.pk).exists()


def test_rectification_page(steward_client, send, drain):
    person = ingest_person(send, drain)
    request = services.request_create(kind="rectification", identifier_kind="email", identifier_value=EMAIL)
    services.request_verify(request=request)
    steward_client.post(
        f"/privacy/requests/{request.pk}/rectify/", {"key": ["name", "age", ""], "value": ["Erin Q", "41", ""]}
    )
    person.refresh_from_db()
    assert person.traits["name"] == "Erin Q" and person.traits["age"] == 41


def test_retention_page_saves_and_warns(steward_client):
    segment_create(name="Lifetime buyers", rule={"event": "Order Completed"})
    page = steward_client.get("/privacy/requests/retention/").content.decode()
    assert "keep forever" in page and "data-retention-warning" not in page
    page = steward_client.post(
        "/privacy/requests/retention/", {"event_retention_days": "30"}, follow=True
    ).content.decode()
    assert "Raw events are now kept for 30 days." in page
    assert "data-retention-warning" in page and "Lifetime buyers" in page
    page = steward_client.post("/privacy/requests/retention/", {"event_retention_days": "0"}).content.decode()
    assert "greater than or equal to 1" in page


def test_webhooks_page_shows_the_secret_once(steward_client):
    page = steward_client.post(
        "/privacy/requests/webhooks/", {"name": "ESP", "url": "https://esp.example.com/h"}
    ).content.decode()
    endpoint = ErasureWebhookEndpoint.objects.get()
    assert endpoint.secret in page
    assert endpoint.secret not in steward_client.get("/privacy/requests/webhooks/").content.decode()
    steward_client.post(f"/privacy/requests/webhooks/{endpoint.pk}/delete/")
    assert not ErasureWebhookEndpoint.objects.exists()


def test_the_requests_page_does_not_query_per_row(steward_client, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    other = make_user("steward")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert steward_client.get("/privacy/requests/").status_code == 200
        return len(captured)

    services.request_create(kind="access", identifier_kind="email", identifier_value="a@example.com", assignee=other)
    queries()  # warm up per-session caches (permissions, key last-used stamp)
    few = queries()
    for n in range(6):
        services.request_create(kind="erasure", identifier_kind="user_id", identifier_value=f"u{n}", assignee=other)
    assert queries() == few
