"""The visual segment builder in Chromium: a two-level rule built only by clicking and typing,
the live count following along, saving; editing with the impact preview; the JSON view's round
trip. Screenshots of the builder are saved to var/test-artifacts/ when a test fails."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from segments.engine import evaluate_segment
from segments.models import Segment
from segments.services import segment_create
from tests.helpers import off_loop

pytestmark = pytest.mark.browser

NOW = datetime.now(UTC).replace(microsecond=0)
MINUS = "\N{MINUS SIGN}"  # the builder writes leaving counts with a true minus sign


def ago(**kwargs) -> str:
    return (NOW - timedelta(**kwargs)).isoformat()


@pytest.fixture
def shop(send, drain):
    """Four customers: ana (pro, 3 orders), bob (free, FR, 3 orders), cara (pro, 1 order),
    dan (free, no orders)."""
    people = {
        "ana": ({"name": "Ana Lima", "email": "ana@example.com", "plan": "pro", "country": "PT"}, 3),
        "bob": ({"name": "Bob Ray", "email": "bob@example.com", "plan": "free", "country": "FR"}, 3),
        "cara": ({"name": "Cara Diaz", "email": "cara@example.com", "plan": "pro", "country": "ES"}, 1),
        "dan": ({"name": "Dan Wu", "email": "dan@example.com", "plan": "free", "country": "DE"}, 0),
    }
    for user_id, (traits, orders) in people.items():
        send("identify", {"userId": user_id, "traits": traits, "timestamp": ago(days=20)})
        for n in range(orders):
            send(
                "track",
                {
                    "userId": user_id,
                    "event": "Order Completed",
                    "properties": {"revenue": 40 + n, "category": "books"},
                    "timestamp": ago(days=n + 1),
                },
            )
    off_loop(drain)


def count_of(page):
    return page.locator("[data-count-value]")


def test_build_a_two_level_rule_by_clicking_and_typing_then_save(signed_in_page, make_user, shop, failure_screenshot):
    marketer = off_loop(make_user, "marketer")
    page = signed_in_page(marketer)
    page.get_by_role("navigation").get_by_role("link", name="Segments").click()
    page.get_by_role("link", name="Start from scratch").click()
    expect(page.get_by_role("heading", name="Who is in this segment")).to_be_visible()
    page.get_by_label("Segment name").fill("Frequent pro or French buyers")

    # Level 1: did Order Completed at least 3 times in the last 30 days.
    page.get_by_role("button", name="Add condition", exact=True).click()
    expect(page.get_by_label("Condition type")).to_be_focused()  # the new condition, ready for the keyboard
    page.get_by_label("Condition type").select_option("event")
    page.get_by_label("Event name").fill("Order Completed")
    page.get_by_label("Event name").press("Tab")
    expect(count_of(page)).to_have_text("3")  # ana, bob, cara: at least once in 30 days
    page.get_by_label("How often").select_option(label="a number of times")
    page.get_by_label("Number of times").fill("3")
    expect(count_of(page)).to_have_text("2")  # ana and bob
    expect(page.locator("[data-fresh]")).to_contain_text("Counted")

    # Level 2: a group matching any of plan = pro, country = FR.
    page.get_by_role("button", name="Add group", exact=True).click()
    group = page.get_by_role("group", name=re.compile(r"^Group: match any"))
    group.get_by_label("Condition type").select_option("trait")
    group.get_by_label("Trait", exact=True).fill("plan")
    group.get_by_label("Trait", exact=True).press("Tab")
    group.get_by_label("Trait value").fill("pro")
    expect(count_of(page)).to_have_text("1")  # ana: pro with 3 orders
    group.get_by_role("button", name="Add condition to this group").click()
    second = group.get_by_role("group", name=re.compile(r"^Condition")).nth(1)
    second.get_by_label("Condition type").select_option("trait")
    second.get_by_label("Trait", exact=True).fill("country")
    second.get_by_label("Trait", exact=True).press("Tab")
    second.get_by_label("Trait value").fill("FR")
    expect(count_of(page)).to_have_text("2")  # ana (pro) and bob (FR)
    expect(page.locator("[data-sample] li")).to_have_count(2)
    expect(page.locator("[data-sentence]")).to_have_text(
        "People who did Order Completed at least 3 times in the last 30 days and "
        "(either whose plan is pro or whose country is FR)."
    )

    page.get_by_role("button", name="Save segment").click()
    expect(page.get_by_role("heading", name=re.compile("Frequent pro or French buyers"), level=2)).to_be_visible()
    segment = Segment.objects.get(name="Frequent pro or French buyers")
    assert page.url.endswith(f"/segments/{segment.pk}/")
    assert segment.rule == {
        "all": [
            {"event": "Order Completed", "within": {"last": {"days": 30}}, "count": {"op": "gte", "value": 3}},
            {
                "any": [
                    {"trait": "plan", "op": "eq", "value": "pro"},
                    {"trait": "country", "op": "eq", "value": "FR"},
                ]
            },
        ]
    }
    assert segment.owner == marketer


def test_invalid_value_is_marked_on_the_offending_condition(signed_in_page, make_user, shop, failure_screenshot):
    page = signed_in_page(off_loop(make_user, "marketer"))
    page.goto(page.url.rstrip("/") + "/segments/new/")
    page.get_by_role("button", name="Add condition", exact=True).click()
    page.get_by_label("Condition type").select_option("metric")
    page.get_by_label("Metric", exact=True).select_option("orders_count")
    page.get_by_label("Metric operator").select_option("between")
    page.get_by_label("Metric value: from").fill("5")
    page.get_by_label("Metric value: to").fill("2")
    condition = page.get_by_role("group", name=re.compile(r"^Condition"))
    expect(condition.locator(".node-error")).to_contain_text("low must not be greater than high")
    expect(condition).to_have_class(re.compile("is-invalid"))
    page.get_by_label("Metric value: to").fill("9")
    expect(condition.locator(".node-error")).to_be_hidden()
    expect(count_of(page)).to_have_text("0")


def test_edit_shows_the_impact_before_saving(signed_in_page, make_user, shop, failure_screenshot):
    segment = off_loop(segment_create, name="Pro plan", rule={"trait": "plan", "op": "eq", "value": "pro"})
    off_loop(evaluate_segment, segment.pk)
    page = signed_in_page(off_loop(make_user, "marketer"))
    page.goto(page.url.rstrip("/") + f"/segments/{segment.pk}/")
    page.get_by_role("link", name="Edit rule").click()
    value = page.get_by_label("Trait value")
    expect(value).to_have_value("pro")
    expect(count_of(page)).to_have_text("2")

    page.get_by_label("Trait operator").select_option("in")
    page.get_by_label("Trait value: add a value (Enter)").fill("free")
    page.get_by_label("Trait value: add a value (Enter)").press("Enter")
    expect(count_of(page)).to_have_text("2")  # only free so far: bob and dan
    impact = page.locator("[data-impact]")
    expect(impact.locator("[data-impact-in]")).to_have_text("+2")
    expect(impact.locator("[data-impact-out]")).to_have_text(f"{MINUS}2")

    page.get_by_label("Trait value: add a value (Enter)").fill("pro")
    page.get_by_label("Trait value: add a value (Enter)").press("Enter")
    expect(count_of(page)).to_have_text("4")
    expect(impact.locator("[data-impact-in]")).to_have_text("+2")
    expect(impact.locator("[data-impact-out]")).to_have_text(f"{MINUS}0")

    page.get_by_role("button", name="Review and save…").click()
    dialog = page.get_by_role("dialog", name="Save the new rule?")
    expect(dialog).to_contain_text(f"+2 would enter and {MINUS}0 would leave")
    expect(dialog.get_by_role("region", name="Entering").get_by_role("listitem")).to_have_count(2)
    dialog.get_by_role("button", name="Keep editing").click()
    expect(dialog).to_be_hidden()
    segment.refresh_from_db()
    assert segment.version == 1  # nothing saved yet

    page.get_by_role("button", name="Review and save…").click()
    dialog.get_by_role("button", name="Save and apply").click()
    expect(page.get_by_role("heading", name=re.compile("Pro plan"), level=2)).to_be_visible()
    segment.refresh_from_db()
    assert segment.version == 2
    assert segment.rule == {"all": [{"trait": "plan", "op": "in", "value": ["free", "pro"]}]}


def test_json_view_round_trips_with_the_visual_view(signed_in_page, make_user, shop, failure_screenshot):
    page = signed_in_page(off_loop(make_user, "marketer"))
    page.goto(page.url.rstrip("/") + "/segments/new/?template=cart-abandoners")
    expect(page.locator("[data-sentence]")).to_have_text(
        "People who did Checkout Started in the last 30 days and did not do Order Completed in the last 30 days."
    )
    page.get_by_role("tab", name="JSON").click()
    editor = page.get_by_label(re.compile("^Rule as JSON"))
    assert json.loads(editor.input_value()) == {
        "all": [
            {"event": "Checkout Started", "within": {"last": {"days": 30}}},
            {"not": {"event": "Order Completed", "within": {"last": {"days": 30}}}},
        ]
    }

    # Edit the JSON: a nested any-group with a metric and a negated trait; back to the visual view.
    edited = {
        "all": [
            {"event": "Order Completed", "where": [{"property": "category", "op": "eq", "value": "books"}]},
            {
                "any": [
                    {"metric": "orders_count", "op": "gte", "value": 3},
                    {"not": {"trait": "plan", "op": "eq", "value": "pro"}},
                ]
            },
        ]
    }
    editor.fill(json.dumps(edited))
    expect(count_of(page)).to_have_text("2")  # counted live from the JSON: bob, and ana (3 orders)
    page.get_by_role("tab", name="Visual").click()
    expect(page.locator("[data-sentence]")).to_have_text(
        "People who did Order Completed with category books and "
        "(either whose number of orders is at least 3 or whose plan is not pro)."
    )
    expect(page.get_by_label("Property", exact=True)).to_have_value("category")
    expect(page.get_by_role("button", name="Negate this condition (NOT)").nth(2)).to_have_attribute(
        "aria-pressed", "true"
    )

    # Visual → JSON gives back exactly the rule typed in.
    page.get_by_role("tab", name="JSON").click()
    assert json.loads(editor.input_value()) == edited

    # A JSON mistake is reported and the visual view keeps the last good rule.
    editor.fill('{"all": [')
    expect(page.locator("[data-json-status]")).to_contain_text("Not valid JSON")
    page.get_by_role("tab", name="Visual").click()
    expect(page.get_by_role("tab", name="JSON")).to_have_attribute("aria-selected", "true")


def test_reorder_collapse_and_remove_with_the_keyboard(signed_in_page, make_user, shop, failure_screenshot):
    page = signed_in_page(off_loop(make_user, "marketer"))
    page.goto(page.url.rstrip("/") + "/segments/new/?template=lapsing-buyers")
    sentence = page.locator("[data-sentence]")
    expect(sentence).to_have_text(
        "People whose number of orders is at least 2 and whose days since last order is more than 60."
    )
    page.get_by_role("button", name="Negate this condition (NOT)").first.focus()
    page.keyboard.press("Alt+ArrowDown")
    expect(sentence).to_have_text(
        "People whose days since last order is more than 60 and whose number of orders is at least 2."
    )
    expect(page.get_by_role("button", name="Negate this condition (NOT)").nth(1)).to_be_focused()  # on the moved one

    page.get_by_role("button", name="Add group", exact=True).press("Enter")
    group = page.get_by_role("group", name=re.compile(r"^Group"))
    expect(group.get_by_label("Condition type")).to_be_focused()
    group.get_by_role("button", name="Collapse group").press("Enter")
    expect(group.get_by_role("button", name="Expand group")).to_be_focused()
    expect(group.locator(".group-summary")).to_contain_text("did …")
    expect(group.get_by_label("Condition type")).to_have_count(0)
    group.get_by_role("button", name="Expand group").press("Enter")
    expect(group.get_by_label("Condition type")).to_be_visible()
    group.get_by_role("button", name="Remove group").press("Enter")
    expect(page.get_by_role("group", name=re.compile(r"^Group"))).to_have_count(0)
    expect(sentence).to_have_text(
        "People whose days since last order is more than 60 and whose number of orders is at least 2."
    )


def test_segment_consent_and_aggregate_conditions_are_built_with_their_own_controls(
    signed_in_page, make_user, shop, failure_screenshot
):
    """A segment and a consent condition chosen from their lists, an aggregate with its property
    typed and a property filter, all in the visual view: the rule is exactly what they say."""
    pro = off_loop(segment_create, name="Pro plan", rule={"trait": "plan", "op": "eq", "value": "pro"})
    off_loop(evaluate_segment, pro.pk)
    page = signed_in_page(off_loop(make_user, "marketer"))
    page.goto(page.url.rstrip("/") + "/segments/new/")
    add = page.get_by_role("button", name="Add condition", exact=True)

    add.click()
    expect(page.get_by_label("Condition type")).to_have_count(1)
    page.get_by_label("Condition type").nth(0).select_option("segment")
    page.get_by_label("Segment", exact=True).select_option(str(pro.pk))
    page.get_by_label("Membership").select_option("false")

    add.click()
    expect(page.get_by_label("Condition type")).to_have_count(2)
    page.get_by_label("Condition type").nth(1).select_option("consent")
    page.get_by_label("Consent purpose").select_option("email_marketing")
    page.get_by_label("Consent state").select_option("false")

    add.click()
    expect(page.get_by_label("Condition type")).to_have_count(3)
    page.get_by_label("Condition type").nth(2).select_option("event")
    page.get_by_label("Event name").fill("Order Completed")
    page.get_by_label("Event name").press("Tab")
    page.get_by_label("How often").select_option("aggregate")
    page.get_by_label("Aggregate", exact=True).select_option("sum")
    page.get_by_label("Property to aggregate").fill("revenue")
    page.get_by_label("Aggregate comparison").select_option("gte")
    page.get_by_label("Aggregate amount").fill("100")
    page.get_by_label("When").select_option("any")
    page.get_by_role("button", name="+ where a property…").click()
    page.get_by_label("Property", exact=True).fill("category")
    page.get_by_label("Property", exact=True).press("Tab")
    page.get_by_label("Property value").fill("books")

    expect(count_of(page)).to_have_text("1")  # bob: not pro, no consent, 123 spent on books
    page.get_by_role("tab", name="JSON").click()
    assert json.loads(page.get_by_label(re.compile("^Rule as JSON")).input_value()) == {
        "all": [
            {"segment": pro.pk, "member": False},
            {"consent": "email_marketing", "granted": False},
            {
                "event": "Order Completed",
                "where": [{"property": "category", "op": "eq", "value": "books"}],
                "aggregate": {"fn": "sum", "property": "revenue", "op": "gte", "value": 100},
            },
        ]
    }
