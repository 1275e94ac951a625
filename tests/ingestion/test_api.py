"""The sources and ingestion-warnings REST API: permissions, write keys, origins, counts, paging."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ingestion.models import Event, IngestionWarning, Source
from ingestion.services import source_create
from ingestion.stats import forget_source_event_counts

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_counts():
    forget_source_event_counts()
    yield
    forget_source_event_counts()


@pytest.fixture
def steward(api_key_client):
    return api_key_client("steward")


# --- permissions ----------------------------------------------------------------------------------


def test_unauthenticated_callers_get_401(api_client):
    for path in ("/api/v1/sources/", "/api/v1/ingestion-warnings/"):
        response = api_client.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("role", ["analyst", "marketer"])
def test_only_source_managers_may_see_or_change_sources(api_key_client, source, role):
    client = api_key_client(role)
    for method, path in [
        ("get", "/api/v1/sources/"),
        ("post", "/api/v1/sources/"),
        ("get", f"/api/v1/sources/{source.pk}/"),
        ("patch", f"/api/v1/sources/{source.pk}/"),
        ("post", f"/api/v1/sources/{source.pk}/rotate-key/"),
        ("get", "/api/v1/ingestion-warnings/"),
    ]:
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 403, (method, path)
        assert response.json()["code"] == "permission_denied"
    assert Source.objects.get(pk=source.pk).write_key == source.write_key


def test_an_analyst_reads_profiles_but_not_sources(api_key_client, source):
    client = api_key_client("analyst")
    assert client.get("/api/v1/profiles/").status_code == 200
    assert client.get("/api/v1/sources/").status_code == 403


# --- create, read, update, rotate ---------------------------------------------------------------


def test_create_answers_with_a_write_key_that_works_at_once(steward, send):
    response = steward.post(
        "/api/v1/sources/",
        {"name": "iOS app", "kind": "mobile", "allowed_origins": ["https://Shop.Example.com:443/"]},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "iOS app" and body["kind"] == "mobile" and body["kind_label"] == "Mobile app"
    assert body["enabled"] is True
    assert body["allowed_origins"] == ["https://shop.example.com"]  # normalised as browsers send it
    assert body["events"] == {"last_hour": 0, "last_24h": 0, "total": 0, "last_event_at": None}
    assert len(body["write_key"]) >= 24
    assert send("track", {"userId": "u1", "event": "Opened"}, write_key=body["write_key"]).status_code == 200
    assert Event.objects.get().source_id == body["id"]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "Web shop", "kind": "web"}, "name", "already exists"),
        ({"name": "web SHOP", "kind": "web"}, "name", "already exists"),
        ({"name": "   ", "kind": "web"}, "name", "blank"),
        ({"name": "X", "kind": "fax"}, "kind", "not a valid choice"),
        ({"name": "X", "kind": "web", "allowed_origins": ["shop.example.com"]}, "allowed_origins", "not an origin"),
        (
            {"name": "X", "kind": "web", "allowed_origins": ["https://a.io/path"]},
            "allowed_origins",
            "more than an origin",
        ),
        ({"name": "X", "kind": "web", "allowed_origins": ["*"]}, "allowed_origins", "instead of *"),
    ],
)
def test_bad_input_is_400_invalid_with_the_field(steward, source, payload, field, message):
    response = steward.post("/api/v1/sources/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert message in str(body["details"][field])
    assert Source.objects.count() == 1


def test_detail_includes_the_write_key_and_unknown_ids_are_json_404(steward, source):
    body = steward.get(f"/api/v1/sources/{source.pk}/").json()
    assert body["write_key"] == source.write_key
    assert "write_key" not in steward.get("/api/v1/sources/").json()[0]  # lists do not spread keys
    for method in ("get", "patch"):
        response = getattr(steward, method)("/api/v1/sources/9999/", {}, format="json")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert steward.post("/api/v1/sources/9999/rotate-key/").status_code == 404


def test_disabling_a_source_makes_the_tracking_api_refuse_its_key(
    steward, source, send, django_capture_on_commit_callbacks
):
    assert send("track", {"userId": "u1", "event": "X"}).status_code == 200  # the key is cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = steward.patch(f"/api/v1/sources/{source.pk}/", {"enabled": False}, format="json")
    assert response.status_code == 200 and response.json()["enabled"] is False
    assert send("track", {"userId": "u1", "event": "X"}).json()["code"] == "source_disabled"
    with django_capture_on_commit_callbacks(execute=True):
        steward.patch(f"/api/v1/sources/{source.pk}/", {"enabled": True}, format="json")
    assert send("track", {"userId": "u1", "event": "X"}).status_code == 200


def test_patch_replaces_allowed_origins_and_validates_them(steward, source):
    response = steward.patch(
        f"/api/v1/sources/{source.pk}/",
        {"allowed_origins": ["http://localhost:3000", "HTTPS://www.example.com", "https://www.example.com/"]},
        format="json",
    )
    assert response.json()["allowed_origins"] == ["http://localhost:3000", "https://www.example.com"]
    response = steward.patch(f"/api/v1/sources/{source.pk}/", {"allowed_origins": ["ftp://x.io"]}, format="json")
    assert response.status_code == 400 and "allowed_origins" in response.json()["details"]
    source.refresh_from_db()
    assert source.allowed_origins == ["http://localhost:3000", "https://www.example.com"]
    assert source.enabled is True  # a PATCH touches only what it names


def test_rotating_the_key_stops_the_old_one_at_once(steward, source, send, django_capture_on_commit_callbacks):
    old_key = source.write_key
    assert send("track", {"userId": "u1", "event": "X"}).status_code == 200  # the old key is cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = steward.post(f"/api/v1/sources/{source.pk}/rotate-key/")
    assert response.status_code == 200
    new_key = response.json()["write_key"]
    assert new_key != old_key
    assert send("track", {"userId": "u1", "event": "X"}, write_key=old_key).status_code == 401
    assert send("track", {"userId": "u1", "event": "X"}, write_key=new_key).status_code == 200


# --- counts ---------------------------------------------------------------------------------------


def test_sources_list_counts_events_per_source_and_window(steward, source, send):
    other = source_create(name="CRM", kind="crm")
    for n in range(3):
        send("track", {"userId": "u1", "event": "X", "messageId": f"m{n}"})
    send("track", {"userId": "u2", "event": "Y"}, write_key=other.write_key)
    # Received two days ago (a backfill): counts in the total only.
    Event.objects.filter(message_id="m0").update(received_at=timezone.now() - timedelta(days=2))
    body = {s["name"]: s["events"] for s in steward.get("/api/v1/sources/").json()}
    assert list(body) == ["CRM", "Web shop"]  # by name
    assert {k: v for k, v in body["Web shop"].items() if k != "last_event_at"} == {
        "last_hour": 2,
        "last_24h": 2,
        "total": 3,
    }
    assert body["CRM"]["total"] == 1 and body["CRM"]["last_event_at"]


def test_sources_list_runs_one_count_query_however_many_sources(steward, source, send, django_assert_num_queries):
    steward.get("/api/v1/sources/")  # the key's last use is recorded once a minute
    forget_source_event_counts()
    with CaptureQueriesContext(connection) as one:
        steward.get("/api/v1/sources/")
    queries = len(one)  # read now: every request resets Django's query log
    for n in range(5):
        extra = source_create(name=f"Store {n}", kind="pos")
        send("track", {"userId": "u1", "event": "Sale"}, write_key=extra.write_key)
    forget_source_event_counts()
    with django_assert_num_queries(queries):
        assert len(steward.get("/api/v1/sources/").json()) == 6


# --- warnings -------------------------------------------------------------------------------------


def test_warnings_list_what_was_rejected_or_changed_with_filters(steward, source, send):
    other = source_create(name="CRM", kind="crm")
    send("track", {"event": "No identity", "messageId": "bad-1"})  # rejected: no userId/anonymousId
    send("track", {"event": "No identity either"}, write_key=other.write_key)
    IngestionWarning.objects.create(
        source=source, code="future_timestamp", message="timestamp replaced", rejected=False, message_id="kept-1"
    )
    everything = steward.get("/api/v1/ingestion-warnings/").json()
    assert [w["code"] for w in everything["results"]] == ["future_timestamp", "missing_identity", "missing_identity"]
    first_rejected = everything["results"][2]
    assert first_rejected["rejected"] is True and first_rejected["message_id"] == "bad-1"
    assert first_rejected["source_name"] == "Web shop" and first_rejected["code_label"] == "No userId or anonymousId"
    assert "No identity" in first_rejected["excerpt"]

    def codes(query):
        return [
            (w["source_name"], w["code"]) for w in steward.get(f"/api/v1/ingestion-warnings/?{query}").json()["results"]
        ]

    assert codes(f"source={other.pk}") == [("CRM", "missing_identity")]
    assert codes("rejected=false") == [("Web shop", "future_timestamp")]
    assert codes(f"rejected=true&source={source.pk}") == [("Web shop", "missing_identity")]
    assert codes("code=too_deep") == []
    response = steward.get("/api/v1/ingestion-warnings/?code=nope")
    assert response.status_code == 400 and response.json()["code"] == "invalid"


def test_warnings_are_paged_with_cursors(steward, source):
    IngestionWarning.objects.bulk_create(
        [IngestionWarning(source=source, code="nul_stripped", message=f"w{n}", rejected=False) for n in range(7)]
    )
    seen, url = [], "/api/v1/ingestion-warnings/?limit=3"
    while url:
        body = steward.get(url).json()
        seen += [w["message"] for w in body["results"]]
        url = body["next"]
    assert sorted(seen) == [f"w{n}" for n in range(7)] and len(seen) == 7


def test_the_openapi_schema_documents_sources_and_warnings(api_client):
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    assert paths["/api/v1/sources/"]["post"]["summary"] == "Create a source (answers with its write key)"
    assert paths["/api/v1/sources/{id}/rotate-key/"]["post"]["tags"] == ["sources"]
    assert paths["/api/v1/sources/{id}/"]["patch"]["tags"] == ["sources"]
    assert paths["/api/v1/ingestion-warnings/"]["get"]["summary"] == "List ingestion warnings"
