import pytest

from privacy.describe import describe

pytestmark = pytest.mark.embedded


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        ({"trait": "plan", "op": "eq", "value": "pro"}, 'Included when the profile attribute "plan" is "pro".'),
        (
            {"metric": "days_since_last_order", "op": "gt", "value": 180},
            "Included when the days since the last order is more than 180.",
        ),
        (
            {"not": {"event": "Email Opened", "within": {"last": {"days": 30}}}},
            'Included when it is not the case that the person did "Email Opened" in the last 30 days.',
        ),
        (
            {
                "event": "Order Completed",
                "where": [{"property": "category", "op": "eq", "value": "books"}],
                "count": {"op": "eq", "value": 0},
            },
            'Included when the person did not do "Order Completed" where "category" is "books".',
        ),
        (
            {"any": [{"segment": 3}, {"consent": "email_marketing", "granted": False}]},
            'Included when at least one of these holds: (the person is in the segment "VIP"); '
            '(the person has not given consent to "email_marketing").',
        ),
        (
            {"event": "Order Completed", "aggregate": {"fn": "sum", "property": "revenue", "op": "gte", "value": 500}},
            'Included when the person did "Order Completed", and the total "revenue" of those events is at least 500.',
        ),
        ({"bogus": 1}, "Included by a rule that cannot be described (see the rule JSON)."),
    ],
)
def test_rules_read_as_plain_english(rule, sentence):
    assert describe(rule, {3: "VIP"}) == sentence
