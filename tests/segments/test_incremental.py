"""The incremental path reads only what it needs: the pipeline names the metric columns that moved,
the engine loads per profile only the events that the segments it can move count (windows bound
the history read), and membership still agrees with a full evaluation over everyone."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from profiles import hooks
from segments.engine import evaluate_segment
from segments.models import Membership
from segments.rules import parse
from segments.rules.events import EventRecord
from segments.rules.state import EventList, EventNeed, event_needs
from segments.rules.tree import walk
from segments.services import segment_create

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def conditions(rule: dict) -> list:
    from segments.rules.tree import EventCondition

    return [node for node in walk(parse(rule)) if isinstance(node, EventCondition)]


def test_needs_bound_each_name_by_its_widest_window_and_read_properties_only_when_used():
    needs = event_needs(
        conditions(
            {
                "all": [
                    {"event": "Product Viewed", "within": {"last": {"days": 7}}},
                    {"event": "Product Viewed", "within": {"last": {"days": 30}}, "count": {"op": "gte", "value": 3}},
                    {"event": "Order Completed", "within": {"last": {"days": 7}}},
                    {
                        "event": "Order Completed",
                        "aggregate": {"fn": "max", "property": "revenue", "op": "gt", "value": 1},
                    },
                    {"event": "Signed In", "within": {"after": "2026-11-01", "before": "2026-11-10"}},
                ]
            }
        ),
        NOW,
    )
    assert needs == {
        "Product Viewed": EventNeed(NOW - timedelta(days=30), properties=False),
        "Order Completed": EventNeed(None, properties=True),  # the all-time max reads every order
        "Signed In": EventNeed(datetime(2026, 11, 1, tzinfo=UTC), properties=False),
    }


def test_a_condition_outside_what_was_loaded_is_refused_not_answered_from_a_partial_history():
    (week,) = conditions({"event": "Product Viewed", "within": {"last": {"days": 7}}})
    (ever,) = conditions({"event": "Product Viewed"})
    (books,) = conditions({"event": "Product Viewed", "where": [{"property": "c", "op": "eq", "value": "b"}]})
    (orders,) = conditions({"event": "Order Completed"})
    loaded = EventList([EventRecord("Product Viewed", NOW - timedelta(days=1), {})], event_needs([week], NOW))
    assert loaded.summarize(week, NOW).count == 1
    for condition in (ever, books, orders):
        with pytest.raises(LookupError):
            loaded.summarize(condition, NOW)


def test_the_pipeline_names_the_metric_columns_that_moved(send, drain):
    seen: list[dict] = []
    listener = lambda batch: seen.append(batch.changes)  # noqa: E731
    hooks.subscribe_in_transaction(listener)
    try:
        send("track", {"userId": "u1", "event": "Order Completed", "properties": {"revenue": 20}})
        drain()
        send("page", {"userId": "u1", "name": "Home"})
        drain()
    finally:
        hooks._in_transaction.remove(listener)
    first, second = (next(iter(changes.values())) for changes in seen)
    assert {"metric:orders_count", "metric:revenue_total", "metric:events_count", "event:Order Completed"} <= first
    assert {"metric:page_views_count", "metric:events_count", "event:Page Viewed"} <= second
    assert not {"metric:orders_count", "metric:revenue_total", "metric:first_order_at"} & second


def _history(now: datetime, people: int, per_person: int) -> list[dict]:
    """Events over the last 20 days, each half an hour away from any whole-hour window edge."""
    rng = random.Random(11)
    batch = []
    for person in range(people):
        for i in range(per_person):
            moment = now - timedelta(hours=rng.randint(0, 24 * 20), minutes=30)
            item = {"userId": f"user-{person}", "timestamp": moment.isoformat(), "messageId": f"{person}-{i}"}
            kind = rng.choice(["view", "view", "page", "order", "order", "identify"])
            if kind == "view":
                item |= {"type": "track", "event": "Product Viewed", "properties": {"sku": f"sku-{rng.randint(1, 9)}"}}
            elif kind == "order":
                properties = {"revenue": rng.randint(5, 200), "category": rng.choice(["books", "tech"])}
                item |= {"type": "track", "event": "Order Completed", "properties": properties}
            elif kind == "page":
                item |= {"type": "page", "name": "Home"}
            else:
                item |= {"type": "identify", "traits": {"plan": rng.choice(["free", "pro"])}}
            batch.append(item)
    rng.shuffle(batch)  # out of order, in small batches
    return batch


def test_incremental_membership_with_windows_aggregates_and_cascades_agrees_with_full_evaluation(send, drain):
    from django.utils import timezone

    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    fortnight = (now - timedelta(days=15)).isoformat()
    rules = [
        {"event": "Order Completed", "within": {"last": {"days": 7}}, "count": {"op": "gte", "value": 2}},
        {"event": "Order Completed", "aggregate": {"fn": "max", "property": "revenue", "op": "gt", "value": 150}},
        {
            "all": [
                {"metric": "page_views_count", "op": "gte", "value": 2},
                {
                    "event": "Order Completed",
                    "where": [{"property": "category", "op": "eq", "value": "books"}],
                    "aggregate": {"fn": "avg", "property": "revenue", "op": "gte", "value": 80},
                },
            ]
        },
        {
            "any": [
                {"metric": "avg_order_value", "op": "gte", "value": 100},
                {"event": "Product Viewed", "within": {"last": {"days": 3}}, "count": {"op": "gte", "value": 3}},
            ]
        },
        {"not": {"event": "Page Viewed", "within": {"last": {"days": 10}}}},
        {
            "all": [
                {"trait": "plan", "op": "eq", "value": "pro"},
                {"event": "Product Viewed", "within": {"after": fortnight}},
            ]
        },
        {
            "event": "Order Completed",
            "within": {"last": {"days": 14}},
            "aggregate": {"fn": "sum", "property": "revenue", "op": "lt", "value": 100},
        },
        {"event": "Product Viewed", "where": [{"property": "sku", "op": "in", "value": ["sku-1", "sku-2"]}]},
    ]
    segments = [segment_create(name=f"s{i}", rule=rule) for i, rule in enumerate(rules)]
    segments.append(
        segment_create(
            name="cascade",
            rule={
                "all": [
                    {"segment": segments[1].pk, "member": True},
                    {"metric": "days_since_last_seen", "op": "lt", "value": 30},
                ]
            },
        )
    )
    for segment in segments:
        evaluate_segment(segment.pk)
    send("batch", {"batch": _history(now, people=30, per_person=14)})
    drain(batch_size=13)
    incremental = {
        s.pk: set(Membership.objects.filter(segment=s).values_list("profile_id", flat=True)) for s in segments
    }
    assert any(incremental.values())
    for segment in segments:
        evaluate_segment(segment.pk)  # the SQL target over everyone, now
        assert (
            set(Membership.objects.filter(segment=segment).values_list("profile_id", flat=True))
            == incremental[segment.pk]
        ), segment.rule
