"""The Content-Security-Policy does not break any page: no violation on the main pages, for a
signed-in admin, in Chromium (and the pages still work: the live indicator connects)."""

import pytest
from playwright.sync_api import expect

from segments.engine import evaluate_segment
from segments.services import segment_create

pytestmark = pytest.mark.browser


def test_main_pages_run_without_a_single_csp_violation(signed_in_page, make_user, send, drain, asgi_server):
    send("identify", {"userId": "u1", "traits": {"email": "ana@example.com", "name": "Ana Lima", "plan": "pro"}})
    send("track", {"userId": "u1", "event": "Order Completed", "properties": {"revenue": 12}})
    drain()
    segment = segment_create(name="Pro", rule={"trait": "plan", "op": "eq", "value": "pro"})
    evaluate_segment(segment.pk)
    from profiles.models import Identity

    profile_id = Identity.objects.get(kind="user_id", value="u1").profile_id

    page = signed_in_page(make_user("admin"))
    violations = []
    page.on(
        "console", lambda m: violations.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )
    for path in (
        "/",
        "/profiles/",
        f"/profiles/{profile_id}/",
        "/segments/",
        "/segments/new/",
        f"/segments/{segment.pk}/",
        "/sources/",
        "/privacy/",
        "/privacy/audit/",
        "/privacy/pii/",
        "/admin/",
        f"/admin/profiles/profile/{profile_id}/change/",
        "/api/docs/",
    ):
        response = page.goto(f"{asgi_server}{path}")
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")
    page.goto(f"{asgi_server}/profiles/{profile_id}/")
    page.get_by_role("button", name="Reveal personal data").click()
    expect(page.get_by_role("heading", name="Ana Lima", level=2)).to_be_visible()
    expect(page.locator("[data-live-indicator]")).to_have_attribute("data-state", "live")
    assert not violations, "\n".join(violations)
