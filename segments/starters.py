"""Starter rules for the segment builder ("Start from a template"): common audiences a marketer
adapts instead of starting from a blank rule. Each is a valid rule (tests parse every one)."""

STARTER_TEMPLATES: list[dict] = [
    {
        "slug": "rfm-champions",
        "name": "Champions and loyal customers",
        "description": "The best RFM classes: bought recently, often, and spent the most.",
        "rule": {"all": [{"metric": "rfm_class", "op": "in", "value": ["Champions", "Loyal"]}]},
    },
    {
        "slug": "rfm-at-risk",
        "name": "At risk (RFM)",
        "description": "Valuable customers whose recency is slipping: win them back before they are lost.",
        "rule": {"all": [{"metric": "rfm_class", "op": "in", "value": ["At Risk", "Can't Lose Them"]}]},
    },
    {
        "slug": "lapsing-buyers",
        "name": "Lapsing buyers",
        "description": "Bought at least twice, but not in the last 60 days.",
        "rule": {
            "all": [
                {"metric": "orders_count", "op": "gte", "value": 2},
                {"metric": "days_since_last_order", "op": "gt", "value": 60},
            ]
        },
    },
    {
        "slug": "new-visitors",
        "name": "New visitors",
        "description": "First seen in the last 7 days and have not ordered yet.",
        "rule": {
            "all": [
                {"metric": "first_seen", "op": "within_last", "value": {"days": 7}},
                {"metric": "orders_count", "op": "eq", "value": 0},
            ]
        },
    },
    {
        "slug": "high-spenders",
        "name": "High spenders",
        "description": "Spent $500 or more on orders in the last 90 days.",
        "rule": {
            "all": [
                {
                    "event": "Order Completed",
                    "within": {"last": {"days": 90}},
                    "aggregate": {"fn": "sum", "property": "revenue", "op": "gte", "value": 500},
                }
            ]
        },
    },
    {
        "slug": "cart-abandoners",
        "name": "Cart abandoners",
        "description": "Started a checkout in the last 30 days without completing an order since.",
        "rule": {
            "all": [
                {"event": "Checkout Started", "within": {"last": {"days": 30}}},
                {"not": {"event": "Order Completed", "within": {"last": {"days": 30}}}},
            ]
        },
    },
]


def starter_template(slug: str) -> dict | None:
    return next((t for t in STARTER_TEMPLATES if t["slug"] == slug), None)
