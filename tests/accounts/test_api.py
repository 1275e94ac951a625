import pytest
from django.core.management import call_command

from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_revoke

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_unauthenticated_requests_get_the_json_error_shape(api_client):
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json() == {"code": "not_authenticated", "message": "Authentication credentials were not provided."}
    assert response["WWW-Authenticate"] == "Bearer"


def test_unknown_api_paths_answer_json_404(api_client):
    response = api_client.get("/api/v1/does-not-exist/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_key_acts_with_its_role(api_key_client):
    client = api_key_client("analyst")
    body = client.get("/api/v1/me/").json()
    assert body == {
        "kind": "api_key",
        "name": "test analyst",
        "role": "Analyst",
        "capabilities": ["view_campaigns", "view_dashboards", "view_profiles", "view_segments"],
    }


def test_scopes_narrow_a_key(api_key_client):
    client = api_key_client("steward", scopes=["view_profiles"])
    assert client.get("/api/v1/me/").json()["capabilities"] == ["view_profiles"]
    assert client.get("/api/v1/api-keys/").status_code == 403


def test_scopes_cannot_exceed_the_role():
    with pytest.raises(ValueError, match="outside the Analyst role"):
        api_key_create(name="x", role="analyst", scopes=["view_pii"])


def test_only_the_hash_is_stored_and_last_use_is_recorded(api_key_client):
    client = api_key_client("analyst")
    api_key = ApiKey.objects.get(pk=client.api_key.pk)
    assert client.raw_key not in (api_key.key_hash, api_key.prefix)
    assert client.raw_key.startswith(api_key.prefix)
    assert api_key.last_used_at is None
    client.get("/api/v1/me/")
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


@pytest.mark.parametrize(
    "header",
    ["Bearer shl_not-a-real-key", "Bearer", "Bearer a b", "Bearer \xe9t\xe9"],
)
def test_bad_keys_are_refused(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_a_revoked_key_stops_working_at_once(api_key_client):
    client = api_key_client("analyst")
    assert client.get("/api/v1/me/").status_code == 200
    api_key_revoke(api_key=client.api_key)
    assert client.get("/api/v1/me/").status_code == 401


def test_role_permission_changes_apply_to_keys_immediately(api_key_client):
    from django.contrib.auth.models import Group, Permission

    client = api_key_client("analyst")
    Group.objects.get(name="Analyst").permissions.remove(Permission.objects.get(codename="view_dashboards"))
    assert "view_dashboards" not in client.get("/api/v1/me/").json()["capabilities"]


def test_managing_keys_needs_the_capability(api_key_client):
    response = api_key_client("marketer").get("/api/v1/api-keys/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_steward_creates_lists_and_revokes_keys(api_key_client, django_assert_num_queries):
    steward = api_key_client("steward")
    created = steward.post(
        "/api/v1/api-keys/", {"name": "CRM sync", "role": "analyst", "scopes": ["view_profiles"]}, format="json"
    )
    assert created.status_code == 201
    body = created.json()
    assert body["key"].startswith(body["prefix"])
    assert body["role"] == "Analyst" and body["scopes"] == ["view_profiles"]

    for i in range(3):
        api_key_create(name=f"extra {i}", role="analyst")
    # auth (key lookup + its permissions + last-used update) + one list query, however many keys
    with django_assert_num_queries(3):
        listed = steward.get("/api/v1/api-keys/")
    assert listed.status_code == 200
    assert len(listed.json()) == 5  # the steward's own, the new one and 3 more
    assert all("key" not in item and "key_hash" not in item for item in listed.json())

    revoked = steward.delete(f"/api/v1/api-keys/{body['id']}/")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False


def test_creating_a_key_with_bad_input_explains_and_stores_nothing(api_key_client):
    steward = api_key_client("steward")
    before = ApiKey.objects.count()
    response = steward.post("/api/v1/api-keys/", {"name": "", "role": "wizard"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["details"]) == {"name", "role"}
    assert ApiKey.objects.count() == before


def test_create_api_key_command_prints_a_working_key(capsys, api_client):
    call_command("create_api_key", "--name", "ops", "--role", "admin", "--quiet")
    raw_key = capsys.readouterr().out.strip()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    assert api_client.get("/api/v1/me/").json()["role"] == "Admin"


def test_session_users_use_the_api_too(api_client, make_user):
    api_client.force_login(make_user("marketer"))
    body = api_client.get("/api/v1/me/").json()
    assert body["kind"] == "user" and body["role"] == "Marketer"
    assert "manage_segments" in body["capabilities"]


def test_openapi_schema_and_docs_are_served_locally(api_client):
    schema = api_client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert document["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key created by an admin or steward.",
    }
    assert "/api/v1/me/" in document["paths"]
    docs = api_client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()
