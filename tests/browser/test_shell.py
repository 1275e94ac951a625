"""Sign in through the real form in Chromium and see the product's shell for each role."""

import pytest
from playwright.sync_api import expect

from tests.accounts.test_pages import NAV_BY_ROLE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", list(NAV_BY_ROLE))
def test_each_role_signs_in_and_sees_its_navigation(signed_in_page, make_user, role):
    user = make_user(role)
    page = signed_in_page(user)
    nav = page.get_by_role("navigation").get_by_role("link")
    expect(nav).to_have_text(NAV_BY_ROLE[role])
    expect(page.locator("[data-role]")).to_have_text({"steward": "Data Steward"}.get(role, role.title()))
    # The live indicator proves the websocket path works end to end through the real server.
    expect(page.locator("[data-live-indicator]")).to_have_attribute("data-state", "live")


def test_wrong_password_is_explained_in_the_page(page, asgi_server, make_user):
    user = make_user("analyst")
    page.goto(f"{asgi_server}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("definitely-wrong-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
