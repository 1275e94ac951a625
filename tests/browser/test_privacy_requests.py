"""A data steward handles an erasure request from start to finish, in Chromium."""

import re

import pytest
from playwright.sync_api import expect

from profiles.models import Identity

pytestmark = pytest.mark.browser


def test_steward_logs_verifies_and_erases_a_person(signed_in_page, make_user, asgi_server, send, drain):
    send(
        "identify",
        {"userId": "zoe-9", "anonymousId": "anon-zoe", "traits": {"email": "zoe@example.com", "name": "Zoe"}},
    )
    send("track", {"userId": "zoe-9", "event": "Order Completed", "properties": {"revenue": 20}})
    drain()

    page = signed_in_page(make_user("steward"))
    page.goto(f"{asgi_server}/privacy/requests/")
    expect(page.get_by_role("heading", name="No open requests")).to_be_visible()
    page.get_by_role("link", name="Log a request").first.click()
    page.get_by_label("Request type").select_option("erasure")
    page.get_by_label("Identified by").select_option("email")
    page.get_by_label("Identifier", exact=True).fill("Zoe@Example.com")
    page.get_by_role("button", name="Log request").click()

    expect(page.get_by_role("heading", name="Erasure (Art. 17) · request")).to_be_visible()
    expect(
        page.get_by_role("region", name="The person").get_by_role("link", name=re.compile(r"^#\d+$"))
    ).to_be_visible()
    page.get_by_role("button", name="Start identity check").click()
    expect(page.get_by_text("Identity check started.").first).to_be_visible()
    page.get_by_role("button", name="Identity verified").click()
    expect(page.get_by_role("button", name="Erase this person")).to_be_visible()

    page.get_by_label("Type ERASE to confirm").fill("ERASE")
    page.get_by_role("button", name="Erase this person").click()
    expect(page.get_by_text("The person was erased. Evidence is below.")).to_be_visible()
    evidence = page.get_by_role("region", name="Evidence of erasure")
    expect(evidence.get_by_role("row", name="profiles.Profile 1")).to_be_visible()
    expect(evidence.get_by_role("row", name="ingestion.Event 2")).to_be_visible()
    assert not Identity.objects.filter(value="zoe-9").exists()

    page.get_by_role("link", name="Suppression list").click()
    expect(page.get_by_role("row")).to_have_count(4)  # header + email, user id, anonymous id
    row = page.get_by_role("row").filter(has_text="user_id")
    row.get_by_text("Lift…").click()
    row.get_by_label("Why (recorded in the audit log)").fill("Re-registered as a customer")
    row.get_by_role("button", name="Lift suppression").click()
    expect(page.get_by_text("Suppression lifted: events with this user_id are accepted again.")).to_be_visible()
    expect(page.get_by_role("row")).to_have_count(3)
