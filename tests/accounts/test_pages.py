import pytest
from django.conf import settings

from tests.factories import PASSWORD

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

NAV_BY_ROLE = {
    "admin": ["Overview", "Profiles", "Segments", "Campaigns", "Dashboards", "Sources", "Consent & privacy", "Admin"],
    "steward": ["Overview", "Profiles", "Segments", "Campaigns", "Dashboards", "Sources", "Consent & privacy", "Admin"],
    "marketer": ["Overview", "Profiles", "Segments", "Campaigns", "Dashboards"],
    "analyst": ["Overview", "Profiles", "Segments", "Campaigns", "Dashboards"],
}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/segments/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/segments/")


def test_sign_in_and_out(client, make_user):
    user = make_user("analyst")
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200
    assert b"Welcome" in page.content
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_shows_an_error(client, make_user):
    user = make_user("analyst")
    response = client.post("/login/", {"username": user.username, "password": "not-the-password"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_repeated_failures_lock_the_account_even_with_the_right_password(client, make_user):
    user = make_user("analyst")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/login/", {"username": user.username, "password": "wrong-password-123"})
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert client.get("/").status_code == 302  # not signed in


@pytest.mark.parametrize("role", list(NAV_BY_ROLE))
def test_navigation_shows_what_the_role_may_use(client, make_user, role):
    client.force_login(make_user(role))
    response = client.get("/")
    labels = [item["label"] for item in response.context["nav_items"]]
    assert labels == NAV_BY_ROLE[role]


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("analyst", "/privacy/", 403),
        ("marketer", "/privacy/", 403),
        ("steward", "/privacy/", 200),
        ("analyst", "/segments/", 200),
        ("analyst", "/admin/", 302),
        ("admin", "/admin/", 200),
    ],
)
def test_pages_enforce_capabilities(client, make_user, role, path, status):
    client.force_login(make_user(role))
    assert client.get(path).status_code == status


def test_every_section_has_an_empty_state_that_says_what_to_do(client, make_user):
    client.force_login(make_user("admin"))
    for path, text in [
        ("/profiles/", b"No profiles yet"),
        ("/segments/", b"No segments yet"),
        ("/campaigns/", b"No campaigns yet"),
        ("/dashboards/", b"No dashboards yet"),
        ("/privacy/", b"No consent recorded yet"),
    ]:
        response = client.get(path)
        assert response.status_code == 200
        assert text in response.content


def test_pages_load_no_third_party_assets(client, make_user):
    client.force_login(make_user("admin"))
    html = client.get("/").content.decode()
    assert "http://" not in html and "https://" not in html


def test_the_overview_steps_lead_to_the_pages_the_role_may_use(client, make_user):
    client.force_login(make_user("steward"))
    html = client.get("/").content.decode()
    assert 'href="/sources/"' in html and 'href="/profiles/"' in html
    assert 'href="/campaigns/"' not in html.split('class="steps"')[1]  # stewards launch no campaigns
