"""Each operator's documented meaning (docs/rules.md, "Operators" and "Types") on the edge cases:
missing values, types, numeric strings, case, time zones, boundaries. Every case is evaluated by
both targets (tests.segments.helpers.selected), which must agree."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.segments.helpers import NOW, make_people, selected

pytestmark = [pytest.mark.django_db, pytest.mark.embedded]

# People with one trait `x` holding a value of each kind (or none).
VALUES = {
    "pro": "pro",
    "Pro": "Pro",
    "missing": ...,
    "null": None,
    "five": 5,
    "30": 30,
    "30.0": 30.0,
    "'30'": "30",
    "'30.0'": "30.0",
    "'007'": "007",
    "' 30'": " 30",
    "'3e1'": "3e1",
    "true": True,
    "'true'": "true",
    "list": ["pro"],
    "object": {"pro": 1},
    "empty": "",
}


def people_with_x(*names: str) -> dict[int, str]:
    return make_people({name: {"traits": {} if VALUES[name] is ... else {"x": VALUES[name]}} for name in names})


ALL = tuple(VALUES)


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        # eq: strings exactly (case-sensitive); numbers by value, numeric strings too; booleans.
        ("eq", "pro", {"pro"}),
        ("eq", "30", {"'30'"}),
        ("eq", 30, {"30", "30.0", "'30'", "'30.0'"}),
        ("eq", 7, {"'007'"}),
        ("eq", True, {"true"}),
        ("eq", "true", {"'true'"}),
        ("eq", "", {"empty"}),
        # neq is NOT eq: missing values, other types and null are "not pro".
        ("neq", "pro", set(ALL) - {"pro"}),
        ("neq", 30, set(ALL) - {"30", "30.0", "'30'", "'30.0'"}),
        # numbers: never booleans, never strings with spaces or exponents.
        ("gt", 29.99, {"30", "30.0", "'30'", "'30.0'"}),
        ("gte", 30, {"30", "30.0", "'30'", "'30.0'"}),
        ("lt", 6, {"five"}),
        ("lte", 7, {"five", "'007'"}),
        ("between", [5, 7], {"five", "'007'"}),
        ("between", [30, 30], {"30", "30.0", "'30'", "'30.0'"}),
        # in: eq to any; mixed types; not_in includes missing.
        ("in", ["pro", 5, True], {"pro", "five", "true"}),
        ("not_in", ["pro", 5, True], set(ALL) - {"pro", "five", "true"}),
        # text matching: ASCII case-insensitive, strings only.
        ("contains", "R", {"pro", "Pro", "'true'"}),
        ("starts_with", "P", {"pro", "Pro"}),
        ("ends_with", "0", {"'30'", "'30.0'", "' 30'"}),
        ("contains", "3", {"'30'", "'30.0'", "' 30'", "'3e1'"}),
        ("not_contains", "r", set(ALL) - {"pro", "Pro", "'true'"}),
        # exists: any type, even "" and lists; null is missing.
        ("exists", None, set(ALL) - {"missing", "null"}),
        ("not_exists", None, {"missing", "null"}),
    ],
)
def test_trait_operators_on_every_kind_of_value(op, value, expected):
    labels = people_with_x(*ALL)
    rule = {"trait": "x", "op": op} | ({} if value is None else {"value": value})
    assert selected(rule, labels) == expected


@pytest.mark.parametrize(
    ("needle", "texts", "expected"),
    [
        ("GMAIL", ["ana@gmail.com", "ANA@GMAIL.COM", "ana@mail.com"], {0, 1}),
        ("é", ["ÉTÉ", "été", "ete"], {1}),  # only A-Z fold: É and é differ on every database
        ("É", ["ÉTÉ", "été"], {0}),
        ("%", ["100%", "100"], {0}),  # LIKE wildcards are plain characters
        ("_", ["a_b", "ab"], {0}),
        ("\\", ["a\\b", "ab"], {0}),
        ("straße", ["STRASSE", "Straße"], {1}),
    ],
)
def test_contains_folds_ascii_letters_only_and_escapes_wildcards(needle, texts, expected):
    labels = make_people({str(i): {"traits": {"x": text}} for i, text in enumerate(texts)})
    assert selected({"trait": "x", "op": "contains", "value": needle}, labels) == {str(i) for i in expected}


def test_nested_paths_walk_objects_only():
    labels = make_people(
        {
            "nested": {"traits": {"group": {"plan": "pro"}}},
            "flat": {"traits": {"group": "pro", "group.plan": "pro"}},
            "null": {"traits": {"group": {"plan": None}}},
            "list": {"traits": {"group": [{"plan": "pro"}]}},
        }
    )
    assert selected({"trait": "group.plan", "op": "eq", "value": "pro"}, labels) == {"nested"}
    assert selected({"trait": "group.plan", "op": "exists"}, labels) == {"nested"}


def test_keys_with_non_ascii_letters_spaces_and_brackets_are_found():
    traits = {"größe": "XL", "ü": {"ß": 1}, "First Name": "Ana", "tags[0]": "x", "$": 1}
    labels = make_people({"a": {"traits": traits}, "b": {"traits": {}}})
    assert selected({"trait": "größe", "op": "eq", "value": "XL"}, labels) == {"a"}
    assert selected({"trait": "ü.ß", "op": "eq", "value": 1}, labels) == {"a"}
    assert selected({"trait": "First Name", "op": "starts_with", "value": "an"}, labels) == {"a"}
    assert selected({"trait": "tags[0]", "op": "exists"}, labels) == {"a"}
    assert selected({"trait": "$", "op": "gte", "value": 1}, labels) == {"a"}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("before", "2026-01-01", {"utc", "offset"}),
        ("before", "2026-01-01T00:00:00Z", {"utc", "offset"}),
        ("after", "2025-12-31T23:00:00Z", {"utc", "fraction", "midnight", "local"}),  # offset is exactly 23:00Z
        ("after", "2026-01-01T00:00:00Z", {"local"}),  # the fraction of a second is dropped
        ("before", "2026-01-01T00:00:01Z", {"utc", "offset", "fraction", "midnight"}),
    ],
)
def test_date_time_strings_compare_as_instants_to_the_second(op, value, expected):
    labels = make_people(
        {
            "utc": {"traits": {"d": "2025-12-31T23:59:59Z"}},
            "offset": {"traits": {"d": "2026-01-01T01:00:00+02:00"}},  # 2025-12-31T23:00:00Z
            "fraction": {"traits": {"d": "2026-01-01T00:00:00.9999999Z"}},
            "midnight": {"traits": {"d": "2026-01-01"}},
            "local": {"traits": {"d": "2026-01-01 00:00:00-05:30"}},  # 05:30Z
            "not a date": {"traits": {"d": "2025-02-29"}},
            "not a string": {"traits": {"d": 20251231}},
            "garbage": {"traits": {"d": "yesterday"}},
        }
    )
    assert selected({"trait": "d", "op": op, "value": value}, labels) == expected


def test_within_last_and_more_than_ago_on_trait_date_times():
    iso = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    labels = make_people(
        {
            "edge": {"traits": {"d": iso(NOW - timedelta(days=7))}},
            "inside": {"traits": {"d": iso(NOW - timedelta(days=6))}},
            "outside": {"traits": {"d": iso(NOW - timedelta(days=7, seconds=1))}},
            "future": {"traits": {"d": iso(NOW + timedelta(seconds=1))}},
            "sentinel": {"traits": {"d": "9999-12-31"}},
            "overflow": {"traits": {"d": "9999-12-31T23:59:59-01:00"}},  # past year 9999 in UTC: not a date
        }
    )
    assert selected({"trait": "d", "op": "within_last", "value": {"days": 7}}, labels) == {"edge", "inside"}
    assert selected({"trait": "d", "op": "more_than_ago", "value": {"days": 7}}, labels) == {"outside"}
    assert selected({"trait": "d", "op": "after", "value": "2030-01-01"}, labels) == {"sentinel"}
    # At a moment with a fraction of a second, the edge (whole seconds) is just outside.
    later = NOW + timedelta(milliseconds=250)
    assert selected({"trait": "d", "op": "within_last", "value": {"days": 7}}, labels, now=later) == {"inside"}


def test_days_since_counts_whole_days_rounded_down():
    labels = make_people(
        {
            "180 days": {"last_order_at": NOW - timedelta(days=180)},
            "180 days minus a microsecond": {"last_order_at": NOW - timedelta(days=180) + timedelta(microseconds=1)},
            "181 days": {"last_order_at": NOW - timedelta(days=181)},
            "tomorrow": {"last_order_at": NOW + timedelta(hours=1)},
            "never ordered": {},
        }
    )
    rule = lambda op, value: {"metric": "days_since_last_order", "op": op, "value": value}  # noqa: E731
    assert selected(rule("gt", 180), labels) == {"181 days"}
    assert selected(rule("gte", 180), labels) == {"180 days", "181 days"}
    assert selected(rule("eq", 179), labels) == {"180 days minus a microsecond"}
    assert selected(rule("eq", 180.5), labels) == set()
    assert selected(rule("lt", 0), labels) == {"tomorrow"}
    assert selected(rule("between", [179, 180]), labels) == {"180 days", "180 days minus a microsecond"}
    assert selected(rule("neq", 180), labels) == set(labels.values()) - {"180 days"}
    assert selected({"metric": "days_since_last_order", "op": "not_exists"}, labels) == {"never ordered"}


def test_average_order_value_is_exact_and_missing_without_orders():
    labels = make_people(
        {
            "33.33": {"orders_count": 3, "revenue_total": "99.99"},
            "0.1": {"orders_count": 3, "revenue_total": "0.3"},
            "no orders": {"orders_count": 0},
        }
    )
    rule = lambda op, value: {"metric": "avg_order_value", "op": op, "value": value}  # noqa: E731
    assert selected(rule("eq", 33.33), labels) == {"33.33"}
    assert selected(rule("eq", 0.1), labels) == {"0.1"}  # 0.3 / 3, not 0.09999999999999999
    assert selected(rule("lt", 1), labels) == {"0.1"}
    assert selected(rule("neq", 0.1), labels) == {"33.33", "no orders"}


def test_stored_metrics():
    labels = make_people(
        {
            "champion": {"rfm_class": "Champions", "revenue_total": "100.0000", "last_seen": NOW - timedelta(days=1)},
            "unscored": {"rfm_class": "", "revenue_total": "99.9999"},
        }
    )
    assert selected({"metric": "revenue_total", "op": "gte", "value": 100}, labels) == {"champion"}
    assert selected({"metric": "rfm_class", "op": "starts_with", "value": "CHAMP"}, labels) == {"champion"}
    assert selected({"metric": "rfm_class", "op": "exists"}, labels) == {"champion"}  # "" is no class
    assert selected({"metric": "rfm_class", "op": "neq", "value": "Champions"}, labels) == {"unscored"}
    assert selected({"metric": "last_seen", "op": "within_last", "value": {"hours": 24}}, labels) == {"champion"}
    assert selected({"metric": "rfm_recency", "op": "not_exists"}, labels) == {"champion", "unscored"}


def test_date_times_whose_local_date_is_far_from_their_instant_are_still_compared_exactly():
    """The SQL target first compares a value's date prefix with the window widened by two days
    (values.moment_prefix_sql), then parses it: the largest offsets put the local date a day off
    the UTC one, on both sides of the window."""
    labels = make_people(
        {
            # 2026-01-01T09:30Z written on the previous local day, and 2026-01-02T09:59Z a day ahead
            "behind": {"traits": {"d": "2025-12-31T23:30:00-10:00"}},
            "ahead": {"traits": {"d": "2026-01-03T00:59:00+14:59"}},
            "far before": {"traits": {"d": "2025-12-29T23:59:59Z"}},
            "far after": {"traits": {"d": "2026-01-04T00:00:00Z"}},
            "invalid day": {"traits": {"d": "2026-01-02T25:00:00Z"}},
        }
    )
    at = NOW.replace(year=2026, month=1, day=2, hour=10, minute=0, second=0, microsecond=0)
    within = {"trait": "d", "op": "within_last", "value": {"hours": 25}}  # [01-01T09:00Z, 01-02T10:00Z]
    assert selected(within, labels, now=at) == {"behind", "ahead"}
    assert selected({"trait": "d", "op": "after", "value": "2026-01-02T09:58:00Z"}, labels) == {"ahead", "far after"}
    assert selected({"trait": "d", "op": "before", "value": "2026-01-01T09:31:00Z"}, labels) == {"behind", "far before"}
    assert selected({"trait": "d", "op": "more_than_ago", "value": {"hours": 24}}, labels, now=at) == {
        "behind",
        "far before",
    }
