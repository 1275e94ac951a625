"""Searching for a person and reading their 360° profile, in Chromium."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**kwargs) -> str:
    return (NOW - timedelta(**kwargs)).isoformat()


def test_search_for_a_profile_and_open_its_360_page(signed_in_page, make_user, send, drain):
    send("page", {"anonymousId": "anon-ana", "name": "Pricing", "timestamp": ago(days=2)})
    send(
        "identify",
        {
            "userId": "ana-1",
            "anonymousId": "anon-ana",
            "traits": {"email": "ana@example.com", "name": "Ana Lima", "plan": "pro"},
            "timestamp": ago(days=1),
        },
    )
    send(
        "track",
        {
            "userId": "ana-1",
            "event": "Order Completed",
            "properties": {"revenue": 80, "sku": "TEA-7"},
            "timestamp": ago(hours=1),
        },
    )
    send("identify", {"userId": "bob-2", "traits": {"email": "bob@example.com", "name": "Bob Ray"}})
    drain()

    page = signed_in_page(make_user("steward"))
    page.get_by_role("navigation").get_by_role("link", name="Profiles").click()
    # Personal data is masked in lists for everyone (docs/privacy.md).
    expect(page.get_by_role("link", name="B•• R••")).to_be_visible()
    expect(page.get_by_text("bob@example.com")).to_have_count(0)

    page.get_by_label("Search profiles").fill("ANA@exa")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="B•• R••")).to_have_count(0)
    page.get_by_role("link", name="A•• L•••").click()

    expect(page.get_by_role("heading", name="A•• L•••", level=2)).to_be_visible()
    identities = page.get_by_role("region", name="Identities")
    expect(identities.get_by_text("a•••@e•••.com", exact=True)).to_be_visible()
    # A data steward may reveal one profile; the reveal is audited.
    page.get_by_role("button", name="Reveal personal data").click()
    expect(page.get_by_role("heading", name="Ana Lima", level=2)).to_be_visible()
    expect(page.get_by_text("This reveal is in the audit log")).to_be_visible()
    for value in ("ana-1", "anon-ana", "ana@example.com"):
        expect(identities.get_by_text(value, exact=True)).to_be_visible()
    expect(page.get_by_role("region", name="Traits").get_by_role("row", name="plan pro")).to_be_visible()
    counts = page.get_by_role("region", name="Events by name")
    expect(counts.get_by_role("row", name="Order Completed")).to_contain_text("1")
    expect(page.get_by_text("80.00").first).to_be_visible()  # revenue

    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.locator(".timeline-item")).to_have_count(3)
    timeline.get_by_label("Type").select_option("page")
    timeline.get_by_role("button", name="Filter").click()
    expect(timeline.locator(".timeline-item")).to_have_count(1)
    expect(timeline.locator(".timeline-item")).to_contain_text("Pricing")

    page.get_by_label("Type").select_option("track")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("region", name="Timeline").get_by_text("Details").click()
    expect(page.get_by_role("region", name="Timeline").get_by_text('"sku": "TEA-7"')).to_be_visible()
