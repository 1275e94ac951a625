"""The 50 segments of the segment benchmarks (bench/segments_data.py creates them): traits,
metrics, event counts and aggregates in windows, nested groups, segment-of-segment and
time-relative rules. `{"segment": "@key"}` refers to an earlier segment of the list.

REPRESENTATIVE names the ones compared with a hand-written SQL query (bench/segment_engine.py)."""

DAYS = {"days": 30}


def _seg(key, name, kind, rule):
    return {"key": key, "name": name, "kind": kind, "rule": rule}


SEGMENTS = [
    # --- traits (10)
    _seg("pro", "Pro plan", "trait", {"trait": "plan", "op": "eq", "value": "pro"}),
    _seg(
        "eu",
        "EU countries",
        "trait",
        {"trait": "country", "op": "in", "value": ["FR", "DE", "ES", "IT", "NL", "SE", "PL"]},
    ),
    _seg("young", "Aged 18-25", "trait", {"trait": "age", "op": "between", "value": [18, 25]}),
    _seg("newsletter", "Newsletter trait", "trait", {"trait": "newsletter", "op": "eq", "value": True}),
    _seg("example", "Example.com emails", "trait", {"trait": "email", "op": "ends_with", "value": "@example.com"}),
    _seg(
        "new_signups",
        "Signed up in 30 days",
        "trait/time",
        {"trait": "signed_up_at", "op": "within_last", "value": DAYS},
    ),
    _seg(
        "old_signups",
        "Signed up over a year ago",
        "trait/time",
        {"trait": "signed_up_at", "op": "more_than_ago", "value": {"days": 365}},
    ),
    _seg("not_free", "Not on the free plan", "trait", {"trait": "plan", "op": "neq", "value": "free"}),
    _seg(
        "enterprise_us",
        "Enterprise in the US",
        "trait",
        {
            "all": [
                {"trait": "plan", "op": "eq", "value": "enterprise"},
                {"trait": "country", "op": "eq", "value": "US"},
            ]
        },
    ),
    _seg("seniors", "Over 60", "trait", {"trait": "age", "op": "gt", "value": 60}),
    # --- metrics (10)
    _seg("buyers", "Buyers", "metric", {"metric": "orders_count", "op": "gte", "value": 1}),
    _seg("repeat", "Repeat buyers", "metric", {"metric": "orders_count", "op": "gte", "value": 3}),
    _seg("big_spenders", "Revenue over 500", "metric", {"metric": "revenue_total", "op": "gt", "value": 500}),
    _seg("lapsed", "No order in 90 days", "metric/time", {"metric": "days_since_last_order", "op": "gt", "value": 90}),
    _seg(
        "active_week",
        "Seen in 7 days",
        "metric/time",
        {"metric": "last_seen", "op": "within_last", "value": {"days": 7}},
    ),
    _seg(
        "dormant",
        "Not seen for 60 days",
        "metric/time",
        {"metric": "last_seen", "op": "more_than_ago", "value": {"days": 60}},
    ),
    _seg("champions", "RFM champions", "metric", {"metric": "rfm_class", "op": "in", "value": ["champions", "loyal"]}),
    _seg("aov", "Average order over 120", "metric", {"metric": "avg_order_value", "op": "gt", "value": 120}),
    _seg("heavy", "Over 30 events", "metric", {"metric": "events_count", "op": "gt", "value": 30}),
    _seg("readers", "Over 5 page views", "metric", {"metric": "page_views_count", "op": "gt", "value": 5}),
    # --- events (20)
    _seg("ordered_30", "Ordered in 30 days", "event/time", {"event": "Order Completed", "within": {"last": DAYS}}),
    _seg(
        "ordered_3x_30",
        "3+ orders in 30 days",
        "event/time",
        {"event": "Order Completed", "within": {"last": DAYS}, "count": {"op": "gte", "value": 3}},
    ),
    _seg(
        "books_90",
        "Bought books in 90 days",
        "event/time",
        {
            "event": "Order Completed",
            "where": [{"property": "category", "op": "eq", "value": "books"}],
            "within": {"last": {"days": 90}},
        },
    ),
    _seg(
        "spent_200_30",
        "Spent 200+ in 30 days",
        "event/time",
        {
            "event": "Order Completed",
            "within": {"last": DAYS},
            "aggregate": {"fn": "sum", "property": "revenue", "op": "gte", "value": 200},
        },
    ),
    _seg(
        "no_order_30",
        "Did not order in 30 days",
        "event/time",
        {"event": "Order Completed", "within": {"last": DAYS}, "count": {"op": "eq", "value": 0}},
    ),
    _seg(
        "viewed_7",
        "Viewed a product in 7 days",
        "event/time",
        {"event": "Product Viewed", "within": {"last": {"days": 7}}},
    ),
    _seg(
        "viewed_10_30",
        "10+ product views in 30 days",
        "event/time",
        {"event": "Product Viewed", "within": {"last": DAYS}, "count": {"op": "gte", "value": 10}},
    ),
    _seg(
        "added_7", "Added to cart in 7 days", "event/time", {"event": "Product Added", "within": {"last": {"days": 7}}}
    ),
    _seg(
        "checkout_1",
        "Checkout in the last day",
        "event/time",
        {"event": "Checkout Started", "within": {"last": {"hours": 24}}},
    ),
    _seg(
        "pages_14",
        "5+ pages in 14 days",
        "event/time",
        {"event": "Page Viewed", "within": {"last": {"days": 14}}, "count": {"op": "gte", "value": 5}},
    ),
    _seg("signed_in_30", "Signed in within 30 days", "event/time", {"event": "Signed In", "within": {"last": DAYS}}),
    _seg("subscribed", "Ever subscribed", "event", {"event": "Newsletter Subscribed"}),
    _seg(
        "tickets", "2+ support tickets", "event", {"event": "Support Ticket Opened", "count": {"op": "gte", "value": 2}}
    ),
    _seg(
        "max_order_150",
        "An order over 150",
        "event",
        {"event": "Order Completed", "aggregate": {"fn": "max", "property": "revenue", "op": "gt", "value": 150}},
    ),
    _seg(
        "avg_order_80",
        "Average order 80+ (90 days)",
        "event/time",
        {
            "event": "Order Completed",
            "within": {"last": {"days": 90}},
            "aggregate": {"fn": "avg", "property": "revenue", "op": "gte", "value": 80},
        },
    ),
    _seg(
        "tech_viewers",
        "Viewed tech in 30 days",
        "event/time",
        {
            "event": "Product Viewed",
            "where": [{"property": "category", "op": "eq", "value": "tech"}],
            "within": {"last": DAYS},
        },
    ),
    _seg(
        "sku_prefix",
        "Viewed sku-1… in 14 days",
        "event/time",
        {
            "event": "Product Viewed",
            "where": [{"property": "sku", "op": "starts_with", "value": "sku-1"}],
            "within": {"last": {"days": 14}},
        },
    ),
    _seg(
        "q1_buyers",
        "Bought between two dates",
        "event",
        {"event": "Order Completed", "within": {"after": "2026-09-01", "before": "2026-10-01"}},
    ),
    _seg(
        "min_order_small",
        "Smallest order under 20",
        "event",
        {"event": "Order Completed", "aggregate": {"fn": "min", "property": "revenue", "op": "lt", "value": 20}},
    ),
    _seg(
        "music_2x",
        "2+ music orders",
        "event",
        {
            "event": "Order Completed",
            "where": [{"property": "category", "op": "in", "value": ["music"]}],
            "count": {"op": "gte", "value": 2},
        },
    ),
    # --- nested groups (5)
    _seg(
        "cart_abandoners",
        "Cart abandoners",
        "nested/time",
        {
            "all": [
                {"event": "Product Added", "within": {"last": {"days": 7}}},
                {"event": "Order Completed", "within": {"last": {"days": 7}}, "count": {"op": "eq", "value": 0}},
            ]
        },
    ),
    _seg(
        "vip",
        "VIP",
        "nested",
        {
            "any": [
                {
                    "all": [
                        {"trait": "plan", "op": "eq", "value": "enterprise"},
                        {"metric": "orders_count", "op": "gte", "value": 2},
                    ]
                },
                {"metric": "revenue_total", "op": "gt", "value": 1000},
            ]
        },
    ),
    _seg(
        "win_back",
        "Win back",
        "nested/time",
        {
            "all": [
                {"metric": "orders_count", "op": "gte", "value": 2},
                {"not": {"event": "Order Completed", "within": {"last": {"days": 60}}}},
            ]
        },
    ),
    _seg(
        "engaged_free",
        "Engaged free users",
        "nested/time",
        {
            "all": [
                {"trait": "plan", "op": "eq", "value": "free"},
                {
                    "any": [
                        {"event": "Signed In", "within": {"last": {"days": 7}}, "count": {"op": "gte", "value": 2}},
                        {"metric": "page_views_count", "op": "gt", "value": 10},
                    ]
                },
            ]
        },
    ),
    _seg(
        "eu_readers",
        "EU readers without orders",
        "nested",
        {
            "all": [
                {"trait": "country", "op": "in", "value": ["FR", "DE", "ES"]},
                {"metric": "orders_count", "op": "eq", "value": 0},
                {"event": "Page Viewed", "count": {"op": "gte", "value": 3}},
            ]
        },
    ),
    # --- segment of segment (5)
    _seg(
        "pro_buyers_30", "Pro buyers (30 days)", "segment", {"all": [{"segment": "@pro"}, {"segment": "@ordered_30"}]}
    ),
    _seg("lapsed_vip", "Lapsed VIPs", "segment", {"all": [{"segment": "@vip"}, {"segment": "@lapsed"}]}),
    _seg(
        "eu_abandoners", "EU cart abandoners", "segment", {"all": [{"segment": "@eu"}, {"segment": "@cart_abandoners"}]}
    ),
    _seg(
        "not_champions_big",
        "Big spenders, not champions",
        "segment",
        {"all": [{"segment": "@big_spenders"}, {"segment": "@champions", "member": False}]},
    ),
    _seg(
        "active_pro_buyers",
        "Active pro buyers",
        "segment",
        {"all": [{"segment": "@pro_buyers_30"}, {"segment": "@active_week"}]},
    ),
]
assert len(SEGMENTS) == 50, len(SEGMENTS)

# Compared with hand-written SQL (bench/segment_engine.py): segment key -> the same question in SQL
# (profile ids), with :now as the evaluation moment.
REPRESENTATIVE = {
    "pro": "SELECT id FROM profiles_profile WHERE merged_into_id IS NULL AND traits->>'plan' = 'pro'",
    "lapsed": "SELECT id FROM profiles_profile WHERE merged_into_id IS NULL AND last_order_at < %(now)s - interval '91 days'",
    "ordered_3x_30": (
        "SELECT profile_id FROM ingestion_event WHERE type = 'track' AND name = 'Order Completed' "
        "AND timestamp >= %(now)s - interval '30 days' AND timestamp <= %(now)s GROUP BY profile_id HAVING count(*) >= 3"
    ),
    "books_90": (
        "SELECT DISTINCT profile_id FROM ingestion_event WHERE type = 'track' AND name = 'Order Completed' "
        "AND properties->>'category' = 'books' AND timestamp >= %(now)s - interval '90 days' AND timestamp <= %(now)s"
    ),
    "spent_200_30": (
        "SELECT profile_id FROM ingestion_event WHERE type = 'track' AND name = 'Order Completed' "
        "AND timestamp >= %(now)s - interval '30 days' AND timestamp <= %(now)s "
        "GROUP BY profile_id HAVING sum((properties->>'revenue')::numeric) >= 200"
    ),
    "no_order_30": (
        "SELECT p.id FROM profiles_profile p WHERE p.merged_into_id IS NULL AND NOT EXISTS (SELECT 1 FROM ingestion_event e "
        "WHERE e.profile_id = p.id AND e.type = 'track' AND e.name = 'Order Completed' "
        "AND e.timestamp >= %(now)s - interval '30 days' AND e.timestamp <= %(now)s)"
    ),
    "cart_abandoners": (
        "SELECT DISTINCT a.profile_id FROM ingestion_event a WHERE a.type = 'track' AND a.name = 'Product Added' "
        "AND a.timestamp >= %(now)s - interval '7 days' AND a.timestamp <= %(now)s AND NOT EXISTS (SELECT 1 FROM ingestion_event o "
        "WHERE o.profile_id = a.profile_id AND o.type = 'track' AND o.name = 'Order Completed' "
        "AND o.timestamp >= %(now)s - interval '7 days' AND o.timestamp <= %(now)s)"
    ),
    "vip": (
        "SELECT id FROM profiles_profile WHERE merged_into_id IS NULL AND ((traits->>'plan' = 'enterprise' AND orders_count >= 2) "
        "OR revenue_total > 1000)"
    ),
}
