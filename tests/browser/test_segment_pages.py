"""Segment pages in Chromium: the list, a segment's live page (a person entering appears when an
event is sent through the tracking API), "why is this person here", and the profile page's live
segments. Screenshots are saved to var/test-artifacts/ when a test fails."""

import base64
import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from profiles.models import Profile
from segments.engine import evaluate_segment
from segments.services import segment_create
from tests.helpers import off_loop

pytestmark = pytest.mark.browser

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**kwargs) -> str:
    return (NOW - timedelta(**kwargs)).isoformat()


def track(base_url: str, write_key: str, payload: dict) -> None:
    """POST /v1/track on the live server, as an SDK would."""
    request = urllib.request.Request(  # noqa: S310 - the test server
        f"{base_url}/v1/track",
        data=json.dumps(payload).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"{write_key}:".encode()).decode(),
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - the test server
        assert response.status == 200


@pytest.fixture
def customers(send, drain):
    send("identify", {"userId": "ana", "traits": {"name": "Ana Lima", "plan": "pro"}, "timestamp": ago(days=3)})
    send("identify", {"userId": "bob", "traits": {"name": "Bob Ray", "plan": "free"}, "timestamp": ago(days=3)})
    send(
        "track", {"userId": "ana", "event": "Order Completed", "properties": {"revenue": 80}, "timestamp": ago(days=1)}
    )
    off_loop(drain)


def test_list_detail_and_a_live_entry_through_the_tracking_api(
    signed_in_page, make_user, customers, source, drain, asgi_server, failure_screenshot
):
    buyers = off_loop(
        segment_create, name="Buyers", description="Ordered at least once", rule={"event": "Order Completed"}
    )
    off_loop(evaluate_segment, buyers.pk)
    off_loop(segment_create, name="Pro plan", rule={"trait": "plan", "op": "eq", "value": "pro"})
    page = signed_in_page(off_loop(make_user, "marketer"))

    page.get_by_role("navigation").get_by_role("link", name="Segments").click()
    table = page.get_by_role("table", name="Segments")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table.get_by_role("row", name=re.compile("Buyers"))).to_contain_text("1")
    page.get_by_label("Search segments").fill("buy")
    page.get_by_role("button", name="Apply").click()
    expect(table.get_by_role("row")).to_have_count(2)
    table.get_by_role("link", name="Buyers").click()

    expect(page.get_by_role("heading", name=re.compile("^Buyers"), level=2)).to_be_visible()
    expect(page.locator("[data-rule-sentence]")).to_have_text("People who did Order Completed.")
    expect(page.get_by_role("link", name="Export CSV")).to_have_attribute(
        "href", f"/api/v1/segments/{buyers.pk}/members.csv"
    )
    members = page.get_by_role("table", name="Members")
    expect(members.get_by_role("row")).to_have_count(2)  # header + Ana
    expect(page.locator("[data-size-chart] .main-svg").first).to_be_visible()  # Plotly, served locally
    feed = page.get_by_role("list", name="Entries and exits, newest first")
    expect(feed.locator(".feed-item")).to_have_count(1)  # Ana's entry when the segment was evaluated
    expect(page.locator("[data-member-count]")).to_have_text("1")

    # "Why is this person here": the rule with what was seen.
    members.get_by_role("button", name=re.compile("^Why is .* here")).click()
    why = page.locator(".why-row")
    expect(why).to_contain_text("In the segment")
    expect(why).to_contain_text("did Order Completed")
    expect(why).to_contain_text("1 matching event")

    # Live: Bob orders through the tracking API; his entry appears without a reload.
    expect(page.locator("[data-segment-page]")).to_have_attribute("data-live", "true")
    track(asgi_server, source.write_key, {"userId": "bob", "event": "Order Completed", "properties": {"revenue": 12}})
    off_loop(drain)
    bob = Profile.objects.get(identities__kind="user_id", identities__value="bob")
    entry = feed.locator(f'.feed-item[data-profile-id="{bob.pk}"]')
    expect(entry).to_be_visible()
    expect(entry).to_contain_text("Entered")
    expect(entry).to_contain_text("an event")
    expect(page.locator("[data-member-count]")).to_have_text("2")
    expect(page.locator("[data-entered-count]")).to_have_text("1")

    # Who was in it yesterday (from the ledger): nobody, the segment was created today.
    page.get_by_label("Members at a past moment").fill((NOW - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S"))
    page.get_by_role("button", name="Show", exact=True).click()
    expect(page.get_by_text("Nobody was in the segment at that moment.")).to_be_visible()
    page.get_by_role("button", name="Now", exact=True).click()
    expect(members.get_by_role("row")).to_have_count(3)  # header + Ana + Bob


def test_profile_page_shows_its_segments_live(
    signed_in_page, make_user, customers, source, drain, asgi_server, failure_screenshot
):
    buyers = off_loop(segment_create, name="Buyers", rule={"event": "Order Completed"})
    off_loop(evaluate_segment, buyers.pk)
    bob = Profile.objects.get(identities__kind="user_id", identities__value="bob")
    page = signed_in_page(off_loop(make_user, "marketer"))
    page.goto(f"{asgi_server}/profiles/{bob.pk}/")
    card = page.get_by_role("region", name="Segments")
    expect(card).to_contain_text("Not in any segment right now")
    expect(page.locator("[data-profile-segments]")).to_have_attribute("data-live", "true")

    track(asgi_server, source.write_key, {"userId": "bob", "event": "Order Completed"})
    off_loop(drain)
    expect(card.get_by_role("link", name="Buyers")).to_be_visible()
    card.get_by_text("Why?").click()
    expect(card).to_contain_text("did Order Completed")
    expect(card).to_contain_text("1 matching event")


def test_empty_list_teaches_and_offers_templates(signed_in_page, make_user, failure_screenshot):
    page = signed_in_page(off_loop(make_user, "marketer"))
    page.get_by_role("navigation").get_by_role("link", name="Segments").click()
    expect(page.get_by_role("heading", name="No segments yet")).to_be_visible()
    page.get_by_role("link", name=re.compile("^Lapsing buyers")).click()
    expect(page.get_by_label("Segment name")).to_have_value("Lapsing buyers")
    expect(page.locator("[data-sentence]")).to_have_text(
        "People whose number of orders is at least 2 and whose days since last order is more than 60."
    )


def test_list_sizes_move_live(signed_in_page, make_user, customers, source, drain, asgi_server, failure_screenshot):
    buyers = off_loop(segment_create, name="Buyers", rule={"event": "Order Completed"})
    off_loop(evaluate_segment, buyers.pk)
    page = signed_in_page(off_loop(make_user, "analyst"))
    page.goto(f"{asgi_server}/segments/")
    row = page.get_by_role("table", name="Segments").get_by_role("row", name=re.compile("Buyers"))
    expect(row.locator("td.num")).to_have_text("1")
    expect(page.locator(".segment-table")).to_have_attribute("data-live", "true")
    track(asgi_server, source.write_key, {"userId": "bob", "event": "Order Completed"})
    off_loop(drain)
    expect(row.locator("td.num")).to_have_text("2")


def test_archive_from_the_segment_page(signed_in_page, make_user, customers, asgi_server, failure_screenshot):
    buyers = off_loop(segment_create, name="Buyers", rule={"event": "Order Completed"})
    off_loop(evaluate_segment, buyers.pk)
    page = signed_in_page(off_loop(make_user, "marketer"))
    page.goto(f"{asgi_server}/segments/{buyers.pk}/")
    page.get_by_text("Archive this segment…").click()
    page.get_by_role("button", name="Archive segment").click()
    expect(page.get_by_role("heading", name="No segments yet")).to_be_visible()
    buyers.refresh_from_db()
    assert buyers.status == "archived"
    assert not buyers.memberships.exists()
