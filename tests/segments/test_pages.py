"""Segment pages as served: the list (size, trend, last change, owner, search, filters, empty
state), the builder's access and starting points, a segment's page, the profile page's segments
card, and Plotly served from the installed package."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from segments import selectors
from segments.engine import evaluate_segment
from segments.models import MembershipChange
from segments.services import segment_create
from segments.views import sparkline_points

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**kwargs) -> str:
    return (NOW - timedelta(**kwargs)).isoformat()


@pytest.fixture
def buyers(send, drain, make_user):
    owner = make_user("marketer", username="mia")
    send("identify", {"userId": "ana", "traits": {"name": "Ana Lima", "plan": "pro", "email": "ana@example.com"}})
    send("identify", {"userId": "bob", "traits": {"name": "Bob Ray", "plan": "free"}})
    send(
        "track", {"userId": "ana", "event": "Order Completed", "properties": {"revenue": 80}, "timestamp": ago(days=1)}
    )
    drain()
    segment = segment_create(
        name="Buyers", description="Ordered once or more", rule={"event": "Order Completed"}, owner=owner
    )
    evaluate_segment(segment.pk)
    segment.refresh_from_db()
    return segment


def signed_in(client, make_user, role):
    client.force_login(make_user(role))
    return client


def test_list_shows_size_trend_last_change_and_owner(client, make_user, buyers):
    page = signed_in(client, make_user, "analyst").get("/segments/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Buyers" in html and "Ordered once or more" in html
    assert "mia" in html  # owner
    assert 'aria-label="Size over the last 30 days: up 1"' in html
    assert "New segment" not in html  # analysts cannot create


def test_list_search_and_filters(client, make_user, buyers):
    segment_create(name="Pro plan", rule={"trait": "plan", "op": "eq", "value": "pro"})
    client = signed_in(client, make_user, "marketer")
    html = client.get("/segments/", {"q": "pro"}).content.decode()
    assert "Pro plan" in html and ">Buyers<" not in html
    html = client.get("/segments/", {"owner": "me"}).content.decode()
    assert "No segment matches" in html  # this marketer owns none
    html = client.get("/segments/", {"state": "pending"}).content.decode()
    assert "Pro plan" in html and ">Buyers<" not in html  # Buyers was evaluated, Pro plan waits


def test_empty_list_teaches_with_templates(client, make_user):
    html = signed_in(client, make_user, "marketer").get("/segments/").content.decode()
    assert "No segments yet" in html and "Build your first one" in html
    assert "/segments/new/?template=lapsing-buyers" in html
    assert "/segments/new/?template=cart-abandoners" in html


def test_builder_needs_manage_segments(client, make_user, buyers):
    analyst = signed_in(client, make_user, "analyst")
    assert analyst.get("/segments/new/").status_code == 403
    assert analyst.get(f"/segments/{buyers.pk}/edit/").status_code == 403


def test_builder_starts_from_a_template_or_the_saved_rule(client, make_user, buyers):
    client = signed_in(client, make_user, "marketer")
    page = client.get("/segments/new/", {"template": "high-spenders"})
    config = page.context["builder_config"]
    assert config["mode"] == "create"
    assert config["segment"]["name"] == "High spenders"
    assert config["segment"]["rule"]["all"][0]["aggregate"]["fn"] == "sum"
    assert config["urls"]["preview"] == "/api/v1/segments/preview/"
    edit = client.get(f"/segments/{buyers.pk}/edit/").context["builder_config"]
    assert edit["mode"] == "edit"
    assert edit["segment"]["rule"] == {"event": "Order Completed"}
    assert edit["urls"]["impact"] == f"/api/v1/segments/{buyers.pk}/impact/"


def test_detail_page_members_composition_history_and_export(client, make_user, buyers):
    marketer = signed_in(client, make_user, "marketer")
    page = marketer.get(f"/segments/{buyers.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    assert [m["user_id"] for m in page.context["members"]] == ["ana"]
    assert "Bob Ray" not in html
    assert f"/api/v1/segments/{buyers.pk}/members.csv" in html
    assert "Version 1" in html
    assert f"/ws/segments/{buyers.pk}/" in html
    assert page.context["rfm"][0]["members"] == 1


def test_detail_page_hides_export_without_export_data(client, make_user, buyers):
    html = signed_in(client, make_user, "analyst").get(f"/segments/{buyers.pk}/").content.decode()
    assert "members.csv" not in html
    assert "Edit rule" not in html


def test_profile_page_lists_its_segments(client, make_user, buyers):
    client = signed_in(client, make_user, "analyst")
    ana = buyers.memberships.get().profile
    html = client.get(f"/profiles/{ana.pk}/").content.decode()
    assert f'data-profile-segments data-profile-id="{ana.pk}"' in html
    assert ">Buyers</strong>" in html
    fragment = client.get(f"/segments/profile/{ana.pk}/").content.decode()
    assert ">Buyers</strong>" in fragment and "<html" not in fragment


def test_plotly_is_served_from_the_installed_package(client, make_user):
    response = signed_in(client, make_user, "analyst").get("/segments/assets/plotly.min.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "immutable" in response["Cache-Control"]
    assert b"plotly" in b"".join(response.streaming_content)[:2000].lower()


def test_trends_walk_back_from_the_current_size(buyers):
    MembershipChange.objects.filter(segment=buyers).update(at=NOW - timedelta(days=2))
    series = selectors.segment_trends([buyers], days=5, now=NOW)[buyers.pk]
    assert series == [0, 0, 1, 1, 1]


def test_sparkline_points():
    assert sparkline_points([3, 3, 3], width=10, height=10) == "0.0,5.0 5.0,5.0 10.0,5.0"
    assert sparkline_points([0, 2], width=10, height=10) == "0.0,8.0 10.0,2.0"
    assert sparkline_points([]) == ""


def test_starter_templates_are_valid_rules():
    from segments.rules import parse
    from segments.starters import STARTER_TEMPLATES

    assert len(STARTER_TEMPLATES) >= 5
    for starter in STARTER_TEMPLATES:
        parse(json.loads(json.dumps(starter["rule"])))
