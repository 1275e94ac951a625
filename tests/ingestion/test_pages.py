"""Sources pages: list with counts, creating a source, key and snippets, settings, warnings."""

import re

import pytest

from ingestion.models import IngestionWarning, Source
from ingestion.services import source_create
from ingestion.stats import forget_source_event_counts

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _fresh_counts():
    forget_source_event_counts()
    yield
    forget_source_event_counts()


@pytest.fixture
def steward_client(client, make_user):
    client.force_login(make_user("steward"))
    return client


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


@pytest.mark.parametrize("role", ["analyst", "marketer"])
def test_sources_pages_need_manage_sources(client, make_user, source, role):
    client.force_login(make_user(role))
    for path in ("/sources/", f"/sources/{source.pk}/", "/sources/warnings/"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/sources/{source.pk}/rotate-key/").status_code == 403
    assert Source.objects.get().write_key == source.write_key


def test_empty_state_says_what_to_do(steward_client):
    text = text_of(steward_client.get("/sources/"))
    assert "No sources yet" in text and "Add a source" in text


def test_list_shows_each_source_with_its_counts(steward_client, source, send):
    source_create(name="CRM", kind="crm", allowed_origins=[])
    for n in range(3):
        send("track", {"userId": "u1", "event": "X", "messageId": f"m{n}"})
    html = steward_client.get("/sources/").content.decode()
    row = re.search(rf'<tr data-source-row="{source.pk}">(.*?)</tr>', html, re.S).group(1)
    assert "Web shop" in row and "Website" in row and "Enabled" in row
    assert re.search(r'data-count="total">3<', row) and re.search(r'data-count="last_hour">3<', row)
    assert "just now" in row
    assert 'src="/static/ingestion/live_counts.js"' in html  # counts refresh live
    assert "<script>" not in html  # no inline scripts


def test_creating_a_source_shows_its_key_and_snippets(steward_client, settings):
    settings.SHOAL_BASE_URL = "https://cdp.example.com"
    response = steward_client.post(
        "/sources/",
        {"name": "Landing pages", "kind": "web", "allowed_origins": "https://www.example.com/\nhttp://localhost:3000"},
    )
    source = Source.objects.get(name="Landing pages")
    assert response.status_code == 302 and response["Location"] == f"/sources/{source.pk}/"
    assert source.allowed_origins == ["https://www.example.com", "http://localhost:3000"]
    page = steward_client.get(response["Location"])
    html = page.content.decode()
    assert "Source “Landing pages” created" in text_of(page)
    assert f'value="{source.write_key}"' in html and 'type="password"' in html  # masked until revealed
    for snippet in (
        "curl -X POST &#x27;https://cdp.example.com/v1/track&#x27;",
        f"-u &#x27;{source.write_key}:&#x27;",
        "pip install segment-analytics-python",
        "analytics.host = &quot;https://cdp.example.com&quot;",
        "npm install @segment/analytics-node",
        "host: &quot;https://cdp.example.com&quot;",
        "npm install @segment/analytics-next",
        "apiHost: &quot;cdp.example.com/v1&quot;",
        "cdnURL: &quot;https://cdp.example.com&quot;",
    ):
        assert snippet in html, snippet
    # A website source shows the browser snippet first.
    assert html.index('id="panel-browser"') < html.index('id="panel-curl"')


def test_snippets_use_the_address_the_page_was_opened_with_when_the_base_url_is_loopback(
    steward_client, source, settings
):
    settings.SHOAL_BASE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["cdp.internal"]
    html = steward_client.get(f"/sources/{source.pk}/", HTTP_HOST="cdp.internal").content.decode()
    assert "http://cdp.internal/v1/track" in html and "127.0.0.1:8000" not in html


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"name": "web shop", "kind": "web"}, "A source named"),
        ({"name": "", "kind": "web"}, "This field is required"),
        ({"name": "New", "kind": "web", "allowed_origins": "shop.example.com"}, "is not an origin like"),
    ],
)
def test_create_form_errors_are_shown_next_to_the_field(steward_client, source, form, error):
    response = steward_client.post("/sources/", form)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert Source.objects.count() == 1


def test_disable_enable_and_rotate(steward_client, source, send, django_capture_on_commit_callbacks):
    old_key = source.write_key
    with django_capture_on_commit_callbacks(execute=True):
        response = steward_client.post(f"/sources/{source.pk}/enabled/", {"enabled": "false"}, follow=True)
    assert "is disabled" in text_of(response) and "Refusing events" in text_of(response)
    assert send("track", {"userId": "u", "event": "X"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        steward_client.post(f"/sources/{source.pk}/enabled/", {"enabled": "true"})
    assert steward_client.get(f"/sources/{source.pk}/enabled/").status_code == 405  # changes need POST
    with django_capture_on_commit_callbacks(execute=True):
        response = steward_client.post(f"/sources/{source.pk}/rotate-key/", follow=True)
    source.refresh_from_db()
    assert source.enabled and source.write_key != old_key
    assert "The old key no longer works" in text_of(response)
    assert f'value="{source.write_key}"' in response.content.decode()
    assert send("track", {"userId": "u", "event": "X"}, write_key=old_key).status_code == 401


def test_rotating_needs_a_csrf_token(client, make_user, source):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("steward"))
    assert browser.post(f"/sources/{source.pk}/rotate-key/").status_code == 403
    assert Source.objects.get().write_key == source.write_key


def test_allowed_origins_are_edited_and_validated(steward_client, source):
    response = steward_client.post(
        f"/sources/{source.pk}/", {"allowed_origins": "https://a.example.com\nnot an origin"}
    )
    assert response.status_code == 200 and "is not an origin like" in response.content.decode()
    source.refresh_from_db()
    assert source.allowed_origins == ["https://shop.example.com"]  # unchanged
    steward_client.post(f"/sources/{source.pk}/", {"allowed_origins": "HTTPS://A.example.com:443"})
    source.refresh_from_db()
    assert source.allowed_origins == ["https://a.example.com"]


def test_warnings_page_lists_rejected_events_with_filters(steward_client, source, send):
    send("track", {"event": "Anonymous?", "messageId": "no-id-1"})  # rejected: no identity
    other = source_create(name="CRM", kind="crm")
    IngestionWarning.objects.create(source=other, code="nul_stripped", message="NUL removed", rejected=False)
    text = text_of(steward_client.get("/sources/warnings/"))
    assert "No userId or anonymousId" in text and "Rejected" in text and "no-id-1" in text
    assert "NUL characters removed" in text and "Kept" in text
    html = steward_client.get("/sources/warnings/").content.decode()
    assert "<details" in html and "Anonymous?" in html  # the excerpt of what was sent
    only_crm = text_of(steward_client.get(f"/sources/warnings/?source={other.pk}"))
    assert "NUL removed" in only_crm and "no-id-1" not in only_crm
    rejected = text_of(steward_client.get("/sources/warnings/?outcome=rejected&code=missing_identity"))
    assert "no-id-1" in rejected and "NUL removed" not in rejected
    assert "No warnings match these filters" in text_of(steward_client.get("/sources/warnings/?code=too_deep"))


def test_warnings_empty_state(steward_client):
    assert "No ingestion warnings" in text_of(steward_client.get("/sources/warnings/"))


def test_sources_navigation_item_is_active_on_sources_pages(steward_client, source):
    response = steward_client.get(f"/sources/{source.pk}/")
    active = [item["label"] for item in response.context["nav_items"] if item["active"]]
    assert active == ["Sources"]


@pytest.mark.django_db(transaction=True)
def test_the_curl_and_python_snippets_work_as_pasted(asgi_server, source):
    """Copy-ready means it: run the page's curl and Python snippets against the live server."""
    import subprocess

    import segment.analytics as analytics

    from ingestion.models import Event
    from ingestion.snippets import snippets_for

    snippets = {s.slug: s for s in snippets_for(source, asgi_server)}
    result = subprocess.run(["bash", "-c", snippets["curl"].code], capture_output=True, text=True, timeout=30)
    assert '"success":true' in result.stdout, result.stderr
    try:
        exec(snippets["python"].code, {})  # noqa: S102 - the snippet shown to people, run as they would
    finally:  # leave Segment's module-level client as it was
        if analytics.default_client is not None:
            analytics.default_client.shutdown()
        analytics.default_client = None
        analytics.write_key = analytics.Client.DefaultConfig.write_key
        analytics.host = analytics.Client.DefaultConfig.host
    assert sorted(Event.objects.values_list("type", "name")) == [
        ("identify", ""),
        ("track", "Order Completed"),
        ("track", "Order Completed"),
    ]
