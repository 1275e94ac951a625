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


# What `make run` shows on first start: the starter audiences, plus one that visibly re-forms with
# the simulated traffic.
DEMO_SEGMENTS: list[dict] = [
    {
        "name": "Browsing in the last hour",
        "description": "Viewed a product in the last hour: people enter as they browse and leave an hour later.",
        "rule": {"event": "Product Viewed", "within": {"last": {"hours": 1}}},
    },
    *({"name": t["name"], "description": t["description"], "rule": t["rule"]} for t in STARTER_TEMPLATES),
]


def demo_segments_create(*, owner) -> int:
    """Create the demo segments (each evaluated in the background like any new segment) unless
    segments exist already. Returns how many were created."""
    from segments.models import Segment
    from segments.services import segment_create

    if Segment.objects.exists():
        return 0
    for spec in DEMO_SEGMENTS:
        segment_create(name=spec["name"], description=spec["description"], rule=spec["rule"], owner=owner)
    return len(DEMO_SEGMENTS)
