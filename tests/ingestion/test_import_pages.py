"""CSV import pages, REST API and permissions, and the background work through a real Celery
worker (full stack)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ingestion.imports import work
from ingestion.imports.constants import ImportStatus
from ingestion.imports.models import ImportJob
from ingestion.imports.services import import_job_create, import_job_request_check, import_job_start
from ingestion.models import Event
from profiles.models import Identity
from profiles.settings import forget_profile_config
from tests.helpers import wait_until

CSV = b"Email,Customer ID,Plan,Age\nana@example.com,c-1,pro,34\nfoo,c-2,free,29\nbob@example.com,c-3,team,41\n"


@pytest.fixture(autouse=True)
def _fresh_profile_config():
    forget_profile_config()
    yield
    forget_profile_config()


def csv_file(data: bytes = CSV, name: str = "crm.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/csv")


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.embedded
@pytest.mark.django_db
def test_a_steward_uploads_maps_checks_and_imports_through_the_pages(client, make_user, drain):
    client.force_login(make_user("steward"))
    response = client.get("/sources/imports/")
    assert b"No imports yet" in response.content
    response = client.post("/sources/imports/new/", {"file": csv_file(), "source": ""})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sources/imports/{job.pk}/mapping/"

    page = client.get(f"/sources/imports/{job.pk}/mapping/").content.decode()
    assert "ana@example.com" in page and "c-1" in page  # sample values
    assert '<option value="email" selected>' in page and '<option value="user_id" selected>' in page
    assert 'name="key_3" id="key_3" value="age"' in page

    form = {"target_0": "email", "target_1": "user_id", "target_2": "trait", "key_2": "plan", "type_2": "string"}
    bad = client.post(f"/sources/imports/{job.pk}/mapping/", {**form, "target_3": "trait", "key_3": "age in years"})
    assert bad.status_code == 400
    assert "Trait name &#x27;age in years&#x27; may use letters, digits, _ and -" in bad.content.decode()
    no_identifier = client.post(f"/sources/imports/{job.pk}/mapping/", {**form, "target_0": "skip", "target_1": "skip"})
    assert no_identifier.status_code == 400
    assert "Map at least one column to User ID, Email, Anonymous ID" in no_identifier.content.decode()
    assert ImportJob.objects.get().status == ImportStatus.DRAFT

    form |= {"target_3": "trait", "key_3": "age", "type_3": "number"}
    response = client.post(f"/sources/imports/{job.pk}/mapping/", form)
    assert response["Location"] == f"/sources/imports/{job.pk}/check/"
    assert "Checking every row" in client.get(response["Location"]).content.decode()
    work.import_job_process(job_id=job.pk)  # what the worker does

    page = client.get(f"/sources/imports/{job.pk}/check/").content.decode()
    assert "Email &#x27;foo&#x27; is not an email address" in page
    assert "Import 2 rows" in page

    response = client.post(f"/sources/imports/{job.pk}/start/")
    assert response["Location"] == f"/sources/imports/{job.pk}/"
    assert client.get(f"/sources/imports/{job.pk}/status/").json()["status"] == "queued"
    work.import_job_process(job_id=job.pk)
    status = client.get(f"/sources/imports/{job.pk}/status/").json()
    assert {k: status[k] for k in ("status", "percent", "stored", "duplicates", "invalid_rows")} == {
        "status": "done",
        "percent": 100,
        "stored": 2,
        "duplicates": 0,
        "invalid_rows": 1,
    }
    assert "Import finished" in client.get(f"/sources/imports/{job.pk}/").content.decode()
    drain()
    assert Identity.objects.get(kind="user_id", value="c-3").profile.traits["age"] == 41


@pytest.mark.embedded
@pytest.mark.django_db
def test_an_unreadable_upload_is_explained_on_the_form(client, make_user):
    client.force_login(make_user("admin"))
    response = client.post("/sources/imports/new/", {"file": csv_file(b"ana@example.com,pro\n")})
    assert response.status_code == 200
    assert "This file cannot be imported: the first row looks like data" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.embedded
@pytest.mark.django_db
def test_a_draft_can_be_discarded_but_a_finished_import_cannot(client, make_user):
    client.force_login(make_user("steward"))
    draft = import_job_create(created_by=None, file_name="a.csv", data=CSV)
    response = client.post(f"/sources/imports/{draft.pk}/discard/")
    assert response["Location"] == "/sources/imports/"
    assert not ImportJob.objects.filter(pk=draft.pk).exists()
    done = import_job_create(created_by=None, file_name="b.csv", data=CSV)
    import_job_start(job=done)
    work.import_job_run(job_id=done.pk)
    client.post(f"/sources/imports/{done.pk}/discard/")
    assert ImportJob.objects.filter(pk=done.pk, status=ImportStatus.DONE).exists()


@pytest.mark.embedded
@pytest.mark.django_db
def test_the_import_list_does_not_query_per_row(client, make_user):
    client.force_login(make_user("steward"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/sources/imports/").status_code == 200
        return len(captured)

    import_job_create(created_by=None, file_name="one.csv", data=CSV)
    few = queries()
    for n in range(5):
        import_job_create(created_by=None, file_name=f"more-{n}.csv", data=CSV + f"x{n}@example.com,,,\n".encode())
    assert queries() == few


@pytest.mark.embedded
@pytest.mark.django_db
@pytest.mark.parametrize("role", ["analyst", "marketer"])
def test_roles_without_manage_sources_cannot_import(client, make_user, role):
    job = import_job_create(created_by=None, file_name="a.csv", data=CSV)
    client.force_login(make_user(role))
    for url in ("/sources/imports/", "/sources/imports/new/", f"/sources/imports/{job.pk}/status/"):
        assert client.get(url).status_code == 403
    assert client.post("/sources/imports/new/", {"file": csv_file()}).status_code == 403
    assert client.post(f"/sources/imports/{job.pk}/start/").status_code == 403
    assert ImportJob.objects.count() == 1


@pytest.mark.embedded
@pytest.mark.django_db
def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/sources/imports/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- REST API -----------------------------------------------------------------------------------


@pytest.mark.embedded
@pytest.mark.django_db
def test_the_api_uploads_with_a_mapping_and_reports_the_dry_run(api_key_client):
    client = api_key_client("steward")
    response = client.post(
        "/api/v1/imports/",
        {"file": csv_file(), "mapping": '{"Email": "email", "Plan": "trait:plan"}', "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["mapping"]) == ("checking", ["email", "skip", "trait:plan", "skip"])
    assert body["source"]["name"] == "CSV import"
    work.import_job_process(job_id=body["id"])
    body = client.get(f"/api/v1/imports/{body['id']}/").json()
    assert (body["status"], body["valid_rows"], body["invalid_rows"]) == ("validated", 2, 1)
    assert body["errors"] == [{"row": 3, "column": "Email", "message": "Email 'foo' is not an email address"}]
    response = client.post(f"/api/v1/imports/{body['id']}/start/")
    assert (response.status_code, response.json()["status"]) == (202, "queued")
    work.import_job_process(job_id=body["id"])
    assert client.get(f"/api/v1/imports/{body['id']}/").json()["stored"] == 2
    assert Event.objects.count() == 2


@pytest.mark.embedded
@pytest.mark.django_db
def test_the_api_refuses_a_bad_mapping_or_file_in_the_error_shape(api_key_client):
    client = api_key_client("steward")
    response = client.post("/api/v1/imports/", {"file": csv_file(), "mapping": '{"Mail": "email"}'}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "The request is not valid.",
        "details": {"mapping": ["the file has no column named 'Mail'"]},
    }
    response = client.post("/api/v1/imports/", {"file": csv_file(b"")}, format="multipart")
    assert response.status_code == 400 and "file" in response.json()["details"]
    assert not ImportJob.objects.exists()


@pytest.mark.embedded
@pytest.mark.django_db
def test_the_api_needs_manage_sources(api_key_client):
    job = import_job_create(created_by=None, file_name="a.csv", data=CSV)
    client = api_key_client("marketer")
    assert client.post("/api/v1/imports/", {"file": csv_file()}, format="multipart").status_code == 403
    assert client.get(f"/api/v1/imports/{job.pk}/").json()["code"] == "permission_denied"
    assert api_key_client("steward").get("/api/v1/imports/999999/").status_code == 404


# --- the real worker ----------------------------------------------------------------------------


@pytest.mark.fullstack
def test_a_real_celery_worker_runs_the_dry_run_and_the_import(celery_worker_process):
    job = import_job_create(created_by=None, file_name="crm.csv", data=CSV)
    import_job_request_check(job=job)  # committed at once (transactional test): the task is sent
    assert wait_until(lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.VALIDATED)
    job.refresh_from_db()
    assert (job.valid_rows, job.invalid_rows) == (2, 1)
    import_job_start(job=job)
    assert wait_until(lambda: ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE)
    job.refresh_from_db()
    assert (job.stored, job.duplicates, job.invalid_rows, job.processed_rows) == (2, 0, 1, 3)
    assert Event.objects.filter(source=job.source).count() == 2
    # The worker's doorbell processes the stored events into profiles.
    assert wait_until(lambda: Identity.objects.filter(kind="email", value="bob@example.com").exists())
    assert Identity.objects.get(kind="user_id", value="c-3").profile.traits["plan"] == "team"
