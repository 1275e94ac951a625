"""Event conditions (docs/rules.md, "Event conditions"): names, windows and their edges, property
filters, counts, "did not", aggregates — on both targets."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.segments.helpers import NOW, make_people, selected

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

ORDER = "Order Completed"
DAY = timedelta(days=1)


def order(ago: timedelta, **properties):
    return ("track", ORDER, NOW - ago, properties)


def test_window_last_includes_its_edge_and_now_but_not_later_events():
    labels = make_people(
        {
            "edge": {"events": [order(30 * DAY)]},
            "just outside": {"events": [order(30 * DAY + timedelta(microseconds=1))]},
            "now": {"events": [order(timedelta(0))]},
            "future": {"events": [order(-timedelta(microseconds=1))]},
        }
    )
    assert selected({"event": ORDER, "within": {"last": {"days": 30}}}, labels) == {"edge", "now"}
    assert selected({"event": ORDER}, labels) == {"edge", "just outside", "now"}  # no window: up to now


def test_absolute_window_is_after_inclusive_before_exclusive():
    labels = make_people(
        {
            "at after": {"events": [("track", ORDER, NOW.replace(month=1, day=1, hour=0), {})]},
            "at before": {"events": [("track", ORDER, NOW.replace(month=2, day=1, hour=0), {})]},
            "between": {"events": [("track", ORDER, NOW.replace(month=1, day=15), {})]},
        }
    )
    window = {"after": "2026-01-01T00:00:00Z", "before": "2026-02-01T01:00:00+01:00"}  # = 2026-02-01T00:00Z
    assert selected({"event": ORDER, "within": window}, labels) == {"at after", "between"}
    assert selected({"event": ORDER, "within": {"before": "2026-01-15T00:00:00Z"}}, labels) == {"at after"}


def test_counts_and_did_not():
    labels = make_people(
        {
            "three": {"events": [order(DAY), order(2 * DAY), order(40 * DAY)]},
            "one": {"events": [order(DAY)]},
            "none": {"events": [("track", "Product Viewed", NOW - DAY, {})]},
        }
    )
    last_30 = {"last": {"days": 30}}
    assert selected({"event": ORDER, "within": last_30, "count": {"op": "gte", "value": 2}}, labels) == {"three"}
    assert selected({"event": ORDER, "count": {"op": "eq", "value": 3}}, labels) == {"three"}
    assert selected({"event": ORDER, "within": last_30, "count": {"op": "eq", "value": 0}}, labels) == {"none"}
    assert selected({"event": ORDER, "within": last_30, "count": {"op": "lt", "value": 2}}, labels) == {"one", "none"}
    assert selected({"event": ORDER, "count": {"op": "between", "value": [1, 2]}}, labels) == {"one"}
    assert selected({"not": {"event": ORDER}}, labels) == {"none"}


def test_page_and_screen_calls_are_page_viewed_and_screen_viewed():
    labels = make_people(
        {
            "page": {"events": [("page", "Home", NOW - DAY, {})]},
            "tracked": {"events": [("track", "Page Viewed", NOW - DAY, {})]},
            "screen": {"events": [("screen", "Main", NOW - DAY, {})]},
            "identify": {"events": [("identify", "", NOW - DAY, {})]},
        }
    )
    assert selected({"event": "Page Viewed"}, labels) == {"page", "tracked"}
    assert selected({"event": "Screen Viewed"}, labels) == {"screen"}
    assert selected({"event": "Home"}, labels) == set()  # page names are not event names


def test_property_filters_must_all_hold_on_the_same_event():
    labels = make_people(
        {
            "book with coupon": {"events": [order(DAY, category="books", coupon="WELCOME15")]},
            "book, coupon elsewhere": {
                "events": [order(DAY, category="Books"), order(DAY, category="toys", coupon="X")]
            },
            "nested": {"events": [order(DAY, category="books", meta={"source": "ads"})]},
        }
    )
    where = [{"property": "category", "op": "eq", "value": "books"}, {"property": "coupon", "op": "exists"}]
    assert selected({"event": ORDER, "where": where}, labels) == {"book with coupon"}
    nested = [{"property": "meta.source", "op": "eq", "value": "ads"}]
    assert selected({"event": ORDER, "where": nested}, labels) == {"nested"}
    not_books = [{"property": "category", "op": "neq", "value": "books"}]
    assert selected({"event": ORDER, "where": not_books}, labels) == {"book, coupon elsewhere"}


def test_aggregates_read_numbers_and_skip_everything_else():
    labels = make_people(
        {
            "exactly 100": {
                "events": [order(DAY, revenue=33.33), order(DAY, revenue=33.33), order(DAY, revenue="33.34")]
            },
            "junk": {
                "events": [order(DAY, revenue="abc"), order(DAY, revenue=True), order(DAY, revenue=" 5"), order(DAY)]
            },
            "old": {"events": [order(40 * DAY, revenue=500)]},
            "nothing": {},
        }
    )
    revenue = lambda fn, op, value: {  # noqa: E731
        "event": ORDER,
        "within": {"last": {"days": 30}},
        "aggregate": {"fn": fn, "property": "revenue", "op": op, "value": value},
    }
    assert selected(revenue("sum", "eq", 100), labels) == {"exactly 100"}  # no float drift, on SQLite too
    assert selected(revenue("sum", "lt", 1), labels) == {"junk", "old", "nothing"}  # a sum over nothing is 0
    assert selected(revenue("avg", "gt", 33.33), labels) == {"exactly 100"}
    assert selected(revenue("avg", "lte", 1000), labels) == {"exactly 100"}  # avg over nothing is missing
    assert selected(revenue("avg", "neq", 1), labels) == set(labels.values())
    assert selected(revenue("min", "eq", 33.33), labels) == {"exactly 100"}
    assert selected(revenue("max", "between", [33.34, 33.34]), labels) == {"exactly 100"}


def test_the_largest_or_smallest_value_passing_one_bound_is_any_value_passing_it():
    """max > b / min < b (and >=, <=) are answered without grouping (EXISTS a passing value): the
    same rounding, the same skipped values, nothing for a profile without numbers."""
    labels = make_people(
        {
            "rounds down to 150": {"events": [order(DAY, revenue=150.00004), order(DAY, revenue="abc")]},
            "one over": {"events": [order(DAY, revenue=3), order(DAY, revenue="150.5"), order(DAY, revenue=True)]},
            "exactly 150": {"events": [order(DAY, revenue=150)]},
            "junk only": {"events": [order(DAY, revenue="151 "), order(DAY, revenue=[151]), order(DAY)]},
            "nothing": {},
        }
    )

    def aggregate(fn, op, value):
        return {"event": ORDER, "aggregate": {"fn": fn, "property": "revenue", "op": op, "value": value}}

    assert selected(aggregate("max", "gt", 150), labels) == {"one over"}
    assert selected(aggregate("max", "gte", 150), labels) == {"rounds down to 150", "one over", "exactly 150"}
    assert selected(aggregate("min", "lt", 150), labels) == {"one over"}
    assert selected(aggregate("min", "lte", 150), labels) == {"rounds down to 150", "one over", "exactly 150"}
    # Negated forms: missing (no numbers) is not "not above".
    assert selected({"not": aggregate("max", "gt", 150)}, labels) == {
        "rounds down to 150",
        "exactly 150",
        "junk only",
        "nothing",
    }
    assert selected(aggregate("max", "lte", 150), labels) == {"rounds down to 150", "exactly 150"}


def test_aggregate_values_are_rounded_to_four_decimal_places():
    labels = make_people({"a": {"events": [order(DAY, revenue=0.00004), order(DAY, revenue=0.00005)]}})
    rule = {"event": ORDER, "aggregate": {"fn": "sum", "property": "revenue", "op": "eq", "value": 0.0001}}
    assert selected(rule, labels) == {"a"}  # 0.0000 + 0.0001
