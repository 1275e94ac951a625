"""Sources in Chromium: create one, reveal and copy its key, read its snippets, watch its counts
move live, rotate its key, and see a rejected event on the warnings page."""

import base64
import json
import urllib.request

import pytest
from playwright.sync_api import expect

from ingestion.models import Source

pytestmark = pytest.mark.browser


def post_event(base_url: str, write_key: str, payload: dict) -> int:
    request = urllib.request.Request(  # noqa: S310 - the test server's http URL
        f"{base_url}/v1/track",
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode(),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test server
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_create_a_source_copy_its_key_and_watch_events_arrive(signed_in_page, make_user, asgi_server):
    page = signed_in_page(make_user("steward"))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=asgi_server)
    page.get_by_role("navigation").get_by_role("link", name="Sources").click()
    expect(page.get_by_role("heading", name="No sources yet")).to_be_visible()

    page.get_by_label("Name").fill("Checkout server")
    page.get_by_label("Kind").select_option("server")
    page.get_by_role("button", name="Create source").click()

    expect(page.get_by_text("Source “Checkout server” created")).to_be_visible()
    source = Source.objects.get(name="Checkout server")
    key_field = page.get_by_role("textbox", name="Write key")
    expect(key_field).to_have_attribute("type", "password")
    page.get_by_role("button", name="Reveal").click()
    expect(key_field).to_have_attribute("type", "text")
    expect(key_field).to_have_value(source.write_key)
    page.get_by_role("button", name="Copy", exact=True).click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == source.write_key

    # A server source opens on the curl snippet; the tabs switch to the others.
    expect(page.get_by_role("tab", name="curl")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel", name="curl")).to_contain_text(f"{asgi_server}/v1/track")
    page.get_by_role("tab", name="Python").click()
    python = page.get_by_role("tabpanel", name="Python")
    expect(python).to_contain_text(f'analytics.write_key = "{source.write_key}"')
    expect(python).to_contain_text(f'analytics.host = "{asgi_server}"')
    expect(page.get_by_role("tabpanel", name="curl")).to_be_hidden()

    # Events sent now show up in the counts without reloading the page.
    expect(page.locator('[data-count="total"]')).to_have_text("0")
    for n in range(3):
        assert post_event(asgi_server, source.write_key, {"userId": f"u{n}", "event": "Checkout"}) == 200
    expect(page.locator('[data-count="total"]')).to_have_text("3", timeout=20_000)
    expect(page.locator('[data-count="last_hour"]')).to_have_text("3")

    # Rotating the key needs a confirmation; the old key stops working.
    old_key = source.write_key
    page.get_by_text("Rotate key…").click()
    page.get_by_role("button", name="Yes, rotate the key").click()
    expect(page.get_by_text("The old key no longer works")).to_be_visible()
    source.refresh_from_db()
    assert source.write_key != old_key
    assert post_event(asgi_server, old_key, {"userId": "u9", "event": "Checkout"}) == 401
    assert post_event(asgi_server, source.write_key, {"userId": "u9", "event": "Checkout"}) == 200


def test_a_rejected_event_appears_on_the_warnings_page(signed_in_page, make_user, asgi_server, source):
    # No userId or anonymousId: refused (400) and recorded for stewards.
    assert post_event(asgi_server, source.write_key, {"event": "Who am I?", "messageId": "lost-1"}) == 400
    page = signed_in_page(make_user("admin"))
    page.goto(f"{asgi_server}/sources/")
    page.get_by_role("link", name="Ingestion warnings").click()
    row = page.get_by_role("row").filter(has_text="lost-1")
    expect(row).to_contain_text("No userId or anonymousId")
    expect(row).to_contain_text("Rejected")
    expect(row).to_contain_text("Web shop")
    row.get_by_text("What was sent").click()
    expect(row.locator("pre")).to_contain_text("Who am I?")

    page.get_by_label("Outcome").select_option("kept")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("heading", name="No warnings match these filters")).to_be_visible()
