"""Profile pages: search, the 360° page with its timeline, merged ids, empty states."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from profiles.metrics import rfm_rerank
from profiles.models import Identity

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**kwargs) -> str:
    return (NOW - timedelta(**kwargs)).isoformat()


def profile_id(kind: str, value: str) -> int:
    return Identity.objects.get(kind=kind, value=value).profile_id


@pytest.fixture
def ana(send, drain):
    send(
        "identify",
        {
            "userId": "ana-1",
            "anonymousId": "anon-ana",
            "traits": {"email": "ana@example.com", "name": "Ana Lima", "plan": "free"},
            "timestamp": ago(days=3),
        },
    )
    send("identify", {"userId": "ana-1", "traits": {"plan": "pro"}, "timestamp": ago(days=1)})
    send("page", {"userId": "ana-1", "name": "Pricing", "timestamp": ago(days=2)})
    send(
        "track",
        {
            "userId": "ana-1",
            "event": "Order Completed",
            "properties": {"revenue": 99.9, "sku": "SHOE-1"},
            "timestamp": ago(hours=3),
        },
    )
    drain()
    rfm_rerank()
    return profile_id("user_id", "ana-1")


@pytest.fixture
def signed_in(client, make_user):
    def sign_in(role="analyst"):
        client.force_login(make_user(role))
        return client

    return sign_in


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


# --- the list -------------------------------------------------------------------------------------


def test_empty_state_points_source_managers_to_sources(signed_in):
    html = signed_in("steward").get("/profiles/").content.decode()
    assert "No profiles yet" in html and 'href="/sources/"' in html


def test_empty_state_for_people_who_cannot_manage_sources_says_whom_to_ask(signed_in):
    html = signed_in("analyst").get("/profiles/").content.decode()
    assert "No profiles yet" in html and 'href="/sources/"' not in html
    assert "Ask a data steward" in html


def test_list_shows_people_with_their_numbers(signed_in, ana):
    response = signed_in("analyst").get("/profiles/")
    html = response.content.decode()
    assert f'href="/profiles/{ana}/"' in html
    text = text_of(response)
    # Personal data is masked in lists (docs/privacy.md); the user id is not classified as PII.
    assert "A•• L•••" in text and "a•••@e•••.com" in text and "ana-1" in text
    assert "Ana Lima" not in text and "ana@example.com" not in text
    assert "99.90" in text  # revenue
    # Last seen as a relative time, exact time on hover.
    assert re.search(r'<time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">3 hours ago</time>', html)
    assert 'class="badge rfm rfm-' in html


def test_search_uses_the_api_search_and_explains_no_results(signed_in, ana):
    client = signed_in()
    assert f'href="/profiles/{ana}/"' in client.get("/profiles/?q=ANA@ex").content.decode()
    response = client.get("/profiles/?q=zzz")
    assert "No profiles match “zzz”" in text_of(response)
    assert f'href="/profiles/{ana}/"' not in response.content.decode()


def test_list_pages_with_older_and_newer_links(signed_in, send, drain):
    for n in range(53):
        send("identify", {"userId": f"u{n:02}", "timestamp": ago(minutes=n)})
    drain()
    client = signed_in()
    first = client.get("/profiles/")
    assert first.content.decode().count('href="/profiles/') >= 50
    older = re.search(r'href="([^"]+)" rel="next"', first.content.decode()).group(1).replace("&amp;", "&")
    second = text_of(client.get(older))
    assert "u50" in second and "u52" in second and "u00" not in second


def test_list_page_query_count_does_not_grow_with_rows(signed_in, send, drain, django_assert_num_queries):
    client = signed_in()
    send("identify", {"userId": "first"})
    drain()
    client.get("/profiles/")
    with CaptureQueriesContext(connection) as few:
        client.get("/profiles/")
    queries = len(few)
    for n in range(20):
        send("identify", {"userId": f"more-{n}", "traits": {"email": f"m{n}@x.io"}})
    drain()
    with django_assert_num_queries(queries):
        client.get("/profiles/")


# --- the 360° page --------------------------------------------------------------------------------


def test_profile_page_shows_the_whole_person(signed_in, ana):
    client = signed_in("steward")
    client.post(f"/privacy/pii/reveal/{ana}/")  # personal data is masked until revealed (audited)
    response = client.get(f"/profiles/{ana}/")
    assert response.status_code == 200
    text = text_of(response)
    for expected in [
        "Ana Lima",
        "ana@example.com",
        "anon-ana",  # identities
        "plan",
        "pro",  # traits with their current value…
        "1 day ago",  # …and when it was set
        "Order Completed",  # event counts per name
        "Page Viewed",
        "99.90",  # revenue and average order
        "free",  # trait history: free → pro
        "Pricing",  # the timeline
        "Web shop",  # the source of each event
    ]:
        assert expected in text, expected
    html = response.content.decode()
    assert "SHOE-1" in html  # event properties, expandable
    assert 'class="badge rfm rfm-' in html


def test_timeline_filters_and_pages_without_javascript(signed_in, ana, send, drain):
    for n in range(30):
        send("track", {"userId": "ana-1", "event": "Clicked", "properties": {"n": n}, "timestamp": ago(minutes=n)})
    drain()
    client = signed_in()
    only_pages = text_of(client.get(f"/profiles/{ana}/?type=page"))
    assert "Pricing" in only_pages and "Clicked" not in only_pages.split("Timeline", 1)[1]
    named = client.get(f"/profiles/{ana}/?name=Clicked").content.decode()
    assert named.count('class="timeline-item"') == 25
    older = re.search(r'href="([^"]+)" rel="next"', named).group(1).replace("&amp;", "&")
    assert "name=Clicked" in older
    assert client.get(older).content.decode().count('class="timeline-item"') == 5
    assert "No events match these filters" in text_of(client.get(f"/profiles/{ana}/?name=Refunded"))


def test_a_merged_profile_id_redirects_to_the_survivor_with_a_message(signed_in, ana, send, drain):
    send("page", {"anonymousId": "phone-1", "name": "Home"})
    drain()
    phone = profile_id("anonymous_id", "phone-1")
    send("identify", {"anonymousId": "phone-1", "userId": "ana-1"})
    drain()
    client = signed_in()
    response = client.get(f"/profiles/{phone}/")
    assert response.status_code == 302 and response["Location"] == f"/profiles/{ana}/"
    page = client.get(response["Location"])
    text = text_of(page)
    assert f"Profile #{phone} was merged into this profile" in text
    assert f"Profile #{phone} merged" in text  # and the merge card lists it


def test_unknown_profile_is_the_404_page(signed_in):
    response = signed_in().get("/profiles/424242/")
    assert response.status_code == 404


def test_profile_pages_need_sign_in(client):
    for path in ("/profiles/", "/profiles/1/"):
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
