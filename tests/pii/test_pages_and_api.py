"""PII classification (page and API) and the audited reveal (page and API)."""

import time

import pytest

from audit.constants import AuditAction
from audit.models import AuditEntry
from pii.models import TraitClassification
from profiles.models import Identity

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


@pytest.fixture
def ana(send, drain):
    send("identify", {"userId": "ana-1", "traits": {"email": "ana@example.com", "name": "Ana Lima", "plan": "pro"}})
    drain()
    return Identity.objects.get(kind="user_id", value="ana-1").profile_id


# --- classification ------------------------------------------------------------------------------------


def test_a_steward_classifies_a_key_on_the_page_and_it_is_audited(client, make_user):
    client.force_login(make_user("steward", username="stew"))
    page = client.get("/privacy/pii/").content.decode()
    assert "<code>email</code>" in page and "<code>address.*</code>" in page
    response = client.post("/privacy/pii/", {"key": "diagnosis", "sensitivity": "sensitive"})
    assert response.status_code == 302
    assert TraitClassification.objects.get(key="diagnosis").sensitivity == "sensitive"
    entry = AuditEntry.objects.get(action=AuditAction.PII_CLASSIFICATION_CHANGED)
    assert entry.actor_label == "stew" and entry.details == {"key": "diagnosis", "from": None, "to": "sensitive"}


def test_a_bad_key_pattern_is_refused_with_a_message(client, make_user):
    client.force_login(make_user("steward"))
    response = client.post("/privacy/pii/", {"key": "add*ress", "sensitivity": "pii"})
    assert response.status_code == 200 and "wildcard" in response.content.decode()
    assert not TraitClassification.objects.filter(key="add*ress").exists()


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_other_roles_read_the_classification_but_cannot_change_it(client, make_user, api_key_client, role):
    client.force_login(make_user(role))
    page = client.get("/privacy/pii/")
    assert page.status_code == 200 and 'name="sensitivity"' not in page.content.decode()
    assert client.post("/privacy/pii/", {"key": "plan", "sensitivity": "pii"}).status_code == 403
    api = api_key_client(role)
    assert api.get("/api/v1/pii/classification/").status_code == 200
    assert (
        api.put("/api/v1/pii/classification/", {"key": "plan", "sensitivity": "pii"}, format="json").status_code == 403
    )
    assert not TraitClassification.objects.filter(key="plan").exists()


def test_a_classification_change_masks_at_once_on_every_surface(api_key_client, ana):
    steward = api_key_client("steward")
    analyst = api_key_client("analyst")
    assert analyst.get(f"/api/v1/profiles/{ana}/").json()["traits"]["plan"] == "pro"
    answer = steward.put("/api/v1/pii/classification/", {"key": "plan", "sensitivity": "sensitive"}, format="json")
    assert answer.status_code == 200 and answer.json()["sensitivity"] == "sensitive"
    assert analyst.get(f"/api/v1/profiles/{ana}/").json()["traits"]["plan"] == "•••"
    steward.put("/api/v1/pii/classification/", {"key": "email", "sensitivity": "normal"}, format="json")
    assert analyst.get(f"/api/v1/profiles/{ana}/").json()["traits"]["email"] == "ana@example.com"


# --- reveal ------------------------------------------------------------------------------------


def test_a_steward_reveals_a_profile_on_its_page_and_the_reveal_is_audited(client, make_user, ana):
    client.force_login(make_user("steward", username="stew"))
    masked = client.get(f"/profiles/{ana}/").content.decode()
    assert "ana@example.com" not in masked and "Ana Lima" not in masked
    assert "Reveal personal data" in masked
    client.post(f"/privacy/pii/reveal/{ana}/")
    shown = client.get(f"/profiles/{ana}/").content.decode()
    assert "ana@example.com" in shown and "Ana Lima" in shown and "Mask again" in shown
    entry = AuditEntry.objects.get(action=AuditAction.PII_REVEALED)
    assert entry.actor_label == "stew" and entry.target_type == "profile" and entry.target_id == str(ana)
    assert entry.details == {"surface": "page"}
    # Lists stay masked even while one profile is revealed.
    assert "ana@example.com" not in client.get("/profiles/").content.decode()
    client.post(f"/privacy/pii/reveal/{ana}/", {"hide": "1"})
    assert "ana@example.com" not in client.get(f"/profiles/{ana}/").content.decode()


def test_a_reveal_ends_by_itself(client, make_user, ana, settings, monkeypatch):
    settings.PII_REVEAL_SECONDS = 60
    client.force_login(make_user("admin"))
    client.post(f"/privacy/pii/reveal/{ana}/")
    assert "ana@example.com" in client.get(f"/profiles/{ana}/").content.decode()
    later = time.time() + 61
    monkeypatch.setattr("pii.selectors.time.time", lambda: later)
    assert "ana@example.com" not in client.get(f"/profiles/{ana}/").content.decode()


@pytest.mark.parametrize("role", ["marketer", "analyst"])
def test_roles_without_view_pii_cannot_reveal(client, make_user, api_key_client, ana, role):
    client.force_login(make_user(role))
    page = client.get(f"/profiles/{ana}/").content.decode()
    assert "Reveal personal data" not in page
    assert client.post(f"/privacy/pii/reveal/{ana}/").status_code == 403
    assert api_key_client(role).post(f"/api/v1/profiles/{ana}/reveal/").status_code == 403
    assert "ana@example.com" not in client.get(f"/profiles/{ana}/").content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.PII_REVEALED).exists()


def test_the_api_reveal_returns_raw_values_and_is_audited(api_key_client, ana):
    client = api_key_client("steward")
    body = client.post(f"/api/v1/profiles/{ana}/reveal/").json()
    assert body["traits"]["email"] == "ana@example.com" and body["display_name"] == "Ana Lima"
    assert ("email", "ana@example.com") in {(i["kind"], i["value"]) for i in body["identities"]}
    entry = AuditEntry.objects.get(action=AuditAction.PII_REVEALED)
    assert entry.actor_label == f"api-key:{client.api_key.prefix}" and entry.details == {"surface": "api"}
    # Every other read stays masked, for the same key too.
    assert client.get(f"/api/v1/profiles/{ana}/").json()["traits"]["email"] == "a•••@e•••.com"


def test_a_reveal_of_an_unknown_profile_is_a_404(client, make_user, api_key_client, db):
    client.force_login(make_user("steward"))
    assert client.post("/privacy/pii/reveal/999999/").status_code == 404
    assert api_key_client("steward").post("/api/v1/profiles/999999/reveal/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.PII_REVEALED).exists()


def test_a_reveal_needs_a_post_with_a_csrf_token(make_user, ana):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("steward"))
    assert client.get(f"/privacy/pii/reveal/{ana}/").status_code == 405
    assert client.post(f"/privacy/pii/reveal/{ana}/").status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.PII_REVEALED).exists()
