"""A data steward imports a CSV file in Chromium: upload, map, dry run, import, live progress."""

import pytest
from playwright.sync_api import expect

from ingestion.imports.models import ImportJob

pytestmark = [pytest.mark.browser, pytest.mark.fullstack]

CSV = (
    b"Email,Customer ID,Plan,Notes\n"
    b"ana@example.com,c-1,pro,likes tea\n"
    b"foo,c-2,free,\n"
    b"bob@example.com,c-3,team,call back\n"
)


def test_a_steward_uploads_maps_checks_and_watches_the_import_finish(
    signed_in_page, make_user, asgi_server, celery_worker_process
):
    page = signed_in_page(make_user("steward"))
    page.goto(f"{asgi_server}/sources/imports/")
    expect(page.get_by_role("heading", name="No imports yet")).to_be_visible()
    page.get_by_role("link", name="Import a CSV file").click()

    page.get_by_label("CSV file").set_input_files(files=[{"name": "crm.csv", "mimeType": "text/csv", "buffer": CSV}])
    page.get_by_role("button", name="Upload and map columns").click()
    expect(page.get_by_role("heading", name="Map columns")).to_be_visible()
    expect(page.get_by_label("Maps to, column Email")).to_have_value("email")
    expect(page.get_by_label("Maps to, column Customer ID")).to_have_value("user_id")
    page.get_by_label("Trait name, column Plan").fill("tier")
    page.get_by_label("Maps to, column Notes").select_option("skip")
    expect(page.get_by_label("Trait name, column Notes")).to_be_disabled()

    page.get_by_role("button", name="Check rows (dry run)").click()
    # The dry run runs on the worker; the page follows its progress and then shows the results.
    expect(page.get_by_role("heading", name="Ready to import 2 rows")).to_be_visible(timeout=30_000)
    expect(page.get_by_role("cell", name="Email 'foo' is not an email address")).to_be_visible()

    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.locator("[data-status-badge]")).to_have_text("Done", timeout=30_000)
    expect(page.get_by_role("progressbar")).to_have_js_property("value", 100)
    expect(page.locator('[data-count="stored"]')).to_have_text("2")
    expect(page.locator('[data-count="invalid_rows"]')).to_have_text("1")
    expect(page.get_by_text("Import finished.")).to_be_visible()

    job = ImportJob.objects.get()
    assert job.mapping == ["email", "user_id", "trait:tier", "skip"]
    page.reload()  # the page works without its script too: same state from the server
    expect(page.locator("[data-status-badge]")).to_have_text("Done")
    expect(page.get_by_role("cell", name="Email 'foo' is not an email address")).to_be_visible()
