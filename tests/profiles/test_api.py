"""The profiles REST API: search, the 360° view, a profile's events; permissions and paging."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from profiles.metrics import rfm_rerank
from profiles.models import Identity, Profile

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**kwargs) -> str:
    return (NOW - timedelta(**kwargs)).isoformat()


def earlier_today() -> str:
    """Up to two hours ago, but on today's UTC date (counts in "the last day" are per UTC day).
    Today's, not NOW's: the module's NOW is taken at collection, which may be before midnight."""
    now = timezone.now()
    return max(now - timedelta(hours=2), now.replace(hour=0, minute=0, second=0)).isoformat()


def profile_id(kind: str, value: str) -> int:
    return Identity.objects.get(kind=kind, value=value).profile_id


@pytest.fixture
def people(send, drain):
    """Ana (customer, 2 orders), Bruno (customer), and an anonymous visitor."""
    send(
        "identify",
        {
            "userId": "ana-1",
            "anonymousId": "anon-ana",
            "traits": {"email": "Ana@Example.com", "name": "Ana Lima", "plan": "pro"},
            "timestamp": ago(days=3),
        },
    )
    send("page", {"userId": "ana-1", "name": "Home", "timestamp": ago(days=2)})
    send(
        "track",
        {"userId": "ana-1", "event": "Order Completed", "properties": {"revenue": 30}, "timestamp": ago(days=2)},
    )
    send(
        "track",
        {"userId": "ana-1", "event": "Order Completed", "properties": {"revenue": 12.5}, "timestamp": earlier_today()},
    )
    send(
        "identify",
        {"userId": "bruno-7", "traits": {"first_name": "Bruno", "last_name": "Costa"}, "timestamp": ago(days=5)},
    )
    send(
        "track",
        {"userId": "bruno-7", "event": "Order Completed", "properties": {"revenue": 5}, "timestamp": ago(days=5)},
    )
    send("page", {"anonymousId": "visitor-9", "name": "Pricing", "timestamp": ago(minutes=5)})
    drain()
    rfm_rerank()
    return {
        "ana": profile_id("user_id", "ana-1"),
        "bruno": profile_id("user_id", "bruno-7"),
        "visitor": profile_id("anonymous_id", "visitor-9"),
    }


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


# --- permissions ----------------------------------------------------------------------------------


def test_unauthenticated_callers_get_401(api_client):
    response = api_client.get("/api/v1/profiles/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_key_without_view_profiles_is_refused(api_key_client):
    client = api_key_client("steward", scopes=["manage_sources"])
    response = client.get("/api/v1/profiles/")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


@pytest.mark.parametrize("role", ["analyst", "marketer", "steward", "admin"])
def test_every_role_can_read_profiles(api_key_client, people, role):
    client = api_key_client(role)
    assert set(ids(client.get("/api/v1/profiles/"))) == set(people.values())
    assert client.get(f"/api/v1/profiles/{people['ana']}/").status_code == 200


# --- list and search ------------------------------------------------------------------------------


def test_list_is_most_recently_seen_first_with_display_names_and_metrics(api_key_client, people):
    body = api_key_client("analyst").get("/api/v1/profiles/").json()
    assert [p["id"] for p in body["results"]] == [people["visitor"], people["ana"], people["bruno"]]
    assert body["next"] is None and body["previous"] is None
    visitor, ana, bruno = body["results"]
    assert visitor["display_name"] == "Anonymous" and visitor["anonymous_id"] == "visitor-9"
    # Personal data is masked in every API answer (docs/privacy.md); the user id is not PII here.
    assert ana["display_name"] == "A•• L•••"
    assert ana["email"] == "a•••@e•••.com" and ana["user_id"] == "ana-1"
    assert ana["orders_count"] == 2 and ana["events_count"] == 4
    assert ana["revenue_total"] == "42.5000"
    assert ana["rfm_class"] is not None and visitor["rfm_class"] is None
    assert bruno["display_name"] == "B•••• C••••"


@pytest.mark.parametrize(
    ("query", "who"),
    [
        ("user_id=ana-1", ["ana"]),
        ("user_id=ana", []),  # exact, not a prefix
        ("anonymous_id=anon-ana", ["ana"]),
        ("email=ANA@example.COM", ["ana"]),  # emails ignore case
        ("q=ana@ex", ["ana"]),  # identity prefix
        ("q=ANA@EX", ["ana"]),  # emails match whatever the case typed
        ("q=bruno", ["bruno"]),  # user id prefix and first name
        ("q=costa", ["bruno"]),  # last name trait
        ("q=ana lima", ["ana"]),  # name trait, ignoring case
        ("q=visitor", ["visitor"]),
        ("q=lima", []),  # names match from their start only
        ("q=nobody", []),
        ("user_id=ana-1&q=bruno", []),  # filters combine with AND
    ],
)
def test_search_filters(api_key_client, people, query, who):
    found = ids(api_key_client("analyst").get(f"/api/v1/profiles/?{query}"))
    assert found == [people[name] for name in who]


def test_q_with_a_number_finds_the_profile_by_id(api_key_client, people):
    assert ids(api_key_client("analyst").get(f"/api/v1/profiles/?q={people['bruno']}")) == [people["bruno"]]


def test_merged_profiles_are_not_listed(api_key_client, people, send, drain):
    send("identify", {"anonymousId": "visitor-9", "userId": "carla-3", "timestamp": ago(minutes=1)})
    drain()
    client = api_key_client("analyst")
    assert ids(client.get("/api/v1/profiles/?q=visitor")) == [people["visitor"]]  # same person, now carla-3
    send("identify", {"anonymousId": "late-anon", "timestamp": ago(minutes=1)})
    drain()
    orphan = profile_id("anonymous_id", "late-anon")
    send("alias", {"previousId": "late-anon", "userId": "carla-3", "timestamp": ago(seconds=30)})
    drain()
    assert Profile.objects.get(pk=orphan).merged_into_id == people["visitor"]
    listed = ids(client.get("/api/v1/profiles/?limit=200"))
    assert orphan not in listed and people["visitor"] in listed


def test_list_query_count_does_not_grow_with_the_page(api_key_client, people, send, drain, django_assert_num_queries):
    client = api_key_client("analyst")
    client.get("/api/v1/profiles/")  # the key's last use is recorded once a minute: not in the count
    with CaptureQueriesContext(connection) as small:
        assert len(ids(client.get("/api/v1/profiles/"))) == 3
    queries = len(small)  # read now: every request resets Django's query log
    for n in range(12):
        send("identify", {"userId": f"more-{n}", "anonymousId": f"a-{n}", "traits": {"email": f"m{n}@x.io"}})
    drain()
    # the key, the profiles page, their identities (prefetched): the same for 3 or 15 rows
    with django_assert_num_queries(queries):
        assert len(ids(client.get("/api/v1/profiles/"))) == 15
    assert queries <= 4


def test_cursor_pagination_walks_every_profile_once_in_both_directions(api_key_client, people, send, drain):
    for n in range(7):
        send("identify", {"userId": f"p{n}", "timestamp": NOW.isoformat()})  # the same last_seen: ties
    drain()
    client = api_key_client("analyst")
    seen, pages, url = [], [], "/api/v1/profiles/?limit=3"
    while url:
        body = client.get(url).json()
        pages.append([p["id"] for p in body["results"]])
        seen += pages[-1]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 10
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    # And back: the previous link of the second page is the first page.
    second = client.get(client.get("/api/v1/profiles/?limit=3").json()["next"]).json()
    assert [p["id"] for p in client.get(second["previous"]).json()["results"]] == pages[0]


def test_profiles_never_seen_are_listed_and_paged_too(api_key_client, people):
    imported = [Profile.objects.create(traits={"name": f"Imported {n}"}) for n in range(3)]  # no events yet
    client = api_key_client("analyst")
    seen, url = [], "/api/v1/profiles/?limit=2"
    while url:
        body = client.get(url).json()
        seen += [p["id"] for p in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted([*people.values(), *(p.pk for p in imported)])
    assert len(seen) == len(set(seen))


def test_a_mangled_cursor_is_a_json_404(api_key_client, people):
    response = api_key_client("analyst").get("/api/v1/profiles/?cursor=not-a-cursor")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_limit_sets_the_page_size_up_to_200(api_key_client, people):
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from profiles.pagination import ProfilePagination

    body = api_key_client("analyst").get("/api/v1/profiles/?limit=1").json()
    assert len(body["results"]) == 1 and body["next"]
    factory = APIRequestFactory()
    sizes = [
        ProfilePagination().get_page_size(Request(factory.get("/", {"limit": raw} if raw else {})))
        for raw in ("1000", "0", "abc", None)
    ]
    assert sizes == [200, 1, 50, 50]


# --- detail ---------------------------------------------------------------------------------------


def test_detail_is_the_360_view(api_key_client, people):
    body = api_key_client("analyst").get(f"/api/v1/profiles/{people['ana']}/").json()
    assert body["id"] == body["requested_id"] == people["ana"]
    assert body["merged_into"] is None
    assert body["display_name"] == "A•• L•••"
    assert {(i["kind"], i["value"]) for i in body["identities"]} == {
        ("user_id", "ana-1"),
        ("anonymous_id", "anon-ana"),
        ("email", "a•••@e•••.com"),
    }
    assert body["traits"] == {"email": "A•••@E•••.com", "name": "A•• L•••", "plan": "pro"}
    assert body["trait_timestamps"]["plan"].startswith(ago(days=3)[:16])
    metrics = body["metrics"]
    assert metrics["orders_count"] == 2 and metrics["revenue_total"] == "42.5000"
    assert metrics["avg_order_value"] == "21.2500"
    assert metrics["page_views_count"] == 1 and metrics["days_since_last_order"] == 0
    assert metrics["rfm"]["class"] and 1 <= metrics["rfm"]["recency"] <= 5
    orders = body["event_counts"]["Order Completed"]
    assert orders == {"last_1d": 1, "last_7d": 2, "last_30d": 2, "last_90d": 2, "total": 2}
    assert body["event_counts"]["Page Viewed"]["total"] == 1
    assert {c["key"] for c in body["trait_history"]} == {"email", "name", "plan"}
    assert body["merges"] == [] and body["conflicts"] == []


def test_a_merged_id_answers_with_the_surviving_profile(api_key_client, people, send, drain):
    # The anonymous visitor signs in as Ana: the visitor's profile is merged into Ana's.
    send("identify", {"anonymousId": "visitor-9", "userId": "ana-1", "timestamp": ago(minutes=1)})
    drain()
    response = api_key_client("analyst").get(f"/api/v1/profiles/{people['visitor']}/")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == people["ana"]
    assert body["requested_id"] == people["visitor"]
    assert body["merged_into"] == people["ana"]
    assert body["display_name"] == "A•• L•••"  # masked (docs/privacy.md)
    assert [m["merged_profile_id"] for m in body["merges"]] == [people["visitor"]]
    assert body["merges"][0]["reason"] == "event"
    assert "anonymous_id=visitor-9" in body["merges"][0]["identities_moved"]
    assert body["metrics"]["events_count"] == 6  # the visitor's page view came along


def test_open_identity_conflicts_are_shown_from_both_sides(api_key_client, people, send, drain):
    # An event claims Ana's email for Bruno's user id: two user ids, so no merge but a conflict.
    send("identify", {"userId": "bruno-7", "traits": {"email": "ana@example.com"}, "timestamp": ago(minutes=1)})
    drain()
    client = api_key_client("analyst")
    for me, other in [("ana", "bruno"), ("bruno", "ana")]:
        conflicts = client.get(f"/api/v1/profiles/{people[me]}/").json()["conflicts"]
        assert [(c["other_profile_id"], c["kind"]) for c in conflicts] == [(people[other], "email")]


def test_unknown_profile_is_a_json_404(api_key_client, people):
    client = api_key_client("analyst")
    for path in ("/api/v1/profiles/999999/", "/api/v1/profiles/999999/events/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "No profile with this id."}


def test_detail_uses_a_bounded_number_of_queries(api_key_client, people, django_assert_max_num_queries):
    client = api_key_client("analyst")
    client.get(f"/api/v1/profiles/{people['ana']}/")
    with django_assert_max_num_queries(10):
        client.get(f"/api/v1/profiles/{people['ana']}/")


# --- events ---------------------------------------------------------------------------------------


def test_events_are_newest_first_with_their_source(api_key_client, people):
    body = api_key_client("analyst").get(f"/api/v1/profiles/{people['ana']}/events/").json()
    assert [(e["type"], e["name"]) for e in body["results"]] == [
        ("track", "Order Completed"),
        ("track", "Order Completed"),
        ("page", "Home"),
        ("identify", ""),
    ]
    first = body["results"][0]
    assert first["source"] == "Web shop"
    assert first["properties"] == {"revenue": 12.5}
    assert set(first) == {
        "id",
        "message_id",
        "type",
        "name",
        "properties",
        "traits",
        "context",
        "timestamp",
        "received_at",
        "source",
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=page", [("page", "Home")]),
        ("name=Order%20Completed", [("track", "Order Completed")] * 2),
        ("type=track&since=" + ago(days=1).replace("+", "%2B"), [("track", "Order Completed")]),
        (
            "until=" + ago(days=2, minutes=-1).replace("+", "%2B"),
            [("track", "Order Completed"), ("page", "Home"), ("identify", "")],
        ),
    ],
)
def test_event_filters(api_key_client, people, query, expected):
    body = api_key_client("analyst").get(f"/api/v1/profiles/{people['ana']}/events/?{query}").json()
    assert [(e["type"], e["name"]) for e in body["results"]] == expected


def test_bad_event_filters_are_400_invalid(api_key_client, people):
    response = api_key_client("analyst").get(f"/api/v1/profiles/{people['ana']}/events/?type=purchase&since=yesterday")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and set(body["details"]) == {"type", "since"}


def test_events_page_with_cursors(api_key_client, people, send, drain, django_assert_num_queries):
    for n in range(5):
        send("track", {"userId": "ana-1", "event": "Clicked", "timestamp": NOW.isoformat(), "messageId": f"c{n}"})
    drain()
    client = api_key_client("analyst")
    url, seen = f"/api/v1/profiles/{people['ana']}/events/?limit=4", []
    while url:
        body = client.get(url).json()
        seen += [e["id"] for e in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 9


# --- schema ---------------------------------------------------------------------------------------


def test_the_openapi_schema_documents_the_profile_endpoints(api_client):
    document = api_client.get("/api/schema/?format=json").json()
    for path, summary in [
        ("/api/v1/profiles/", "Search profiles"),
        ("/api/v1/profiles/{id}/", "Get a profile (360° view)"),
        ("/api/v1/profiles/{id}/events/", "List a profile's events"),
    ]:
        operation = document["paths"][path]["get"]
        assert operation["summary"] == summary
        assert operation["tags"] == ["profiles"]
    parameters = {p["name"] for p in document["paths"]["/api/v1/profiles/"]["get"]["parameters"]}
    assert {"user_id", "anonymous_id", "email", "q", "cursor", "limit"} <= parameters
