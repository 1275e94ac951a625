"""Events → unified profiles: identity resolution, merges, conflicts, traits, metrics."""

import threading
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from ingestion.models import Event
from profiles.metrics import event_counts, rfm_rerank
from profiles.models import Identity, IdentityConflict, Profile, ProfileEventDay, ProfileMerge, TraitChange
from profiles.pipeline import events_process_pending

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def profile_of(kind: str, value: str) -> Profile:
    return Identity.objects.select_related("profile").get(kind=kind, value=value).profile


def test_identify_creates_one_profile_with_its_identities_and_traits(send, drain):
    send(
        "identify",
        {
            "userId": "u1",
            "anonymousId": "a1",
            "traits": {"email": " Ana@Example.com ", "plan": "pro"},
            "timestamp": at(0),
        },
    )
    assert drain() == 1
    profile = profile_of("user_id", "u1")
    assert set(profile.identities.values_list("kind", "value")) == {
        ("user_id", "u1"),
        ("anonymous_id", "a1"),
        ("email", "ana@example.com"),
    }
    assert profile.traits == {"email": " Ana@Example.com ", "plan": "pro"}
    assert Event.objects.get().profile == profile


def test_anonymous_history_joins_the_profile_when_the_visitor_signs_up(send, drain):
    send("page", {"anonymousId": "a1", "name": "Home", "timestamp": at(0)})
    send("track", {"anonymousId": "a1", "event": "Product Viewed", "timestamp": at(1)})
    drain()
    anonymous = profile_of("anonymous_id", "a1")
    send("identify", {"userId": "u1", "anonymousId": "a1", "traits": {"plan": "free"}, "timestamp": at(2)})
    drain()
    assert profile_of("user_id", "u1") == anonymous
    anonymous.refresh_from_db()
    assert anonymous.events_count == 3
    assert Profile.objects.count() == 1


def test_alias_merges_two_profiles_and_keeps_a_record(send, drain):
    send("track", {"anonymousId": "a1", "event": "Product Viewed", "timestamp": at(0), "messageId": "e1"})
    send("identify", {"userId": "u1", "traits": {"plan": "pro"}, "timestamp": at(5)})
    send(
        "track",
        {"userId": "u1", "event": "Order Completed", "properties": {"revenue": 30}, "timestamp": at(6)},
    )
    drain()
    anonymous, known = profile_of("anonymous_id", "a1"), profile_of("user_id", "u1")
    assert anonymous != known
    send("alias", {"userId": "u1", "previousId": "a1", "timestamp": at(7)})
    drain()
    survivor = profile_of("anonymous_id", "a1")
    assert survivor == known == profile_of("user_id", "u1")
    anonymous.refresh_from_db()
    assert anonymous.merged_into == survivor
    merge = ProfileMerge.objects.get()
    assert (merge.survivor, merge.merged, merge.reason) == (survivor, anonymous, "alias")
    assert Event.objects.get(message_id="e1").profile == survivor
    survivor.refresh_from_db()
    assert survivor.events_count == 4  # metrics recomputed from every event now on the survivor
    assert survivor.orders_count == 1 and survivor.revenue_total == Decimal("30")
    assert survivor.first_seen == T0
    assert event_counts(survivor.pk, now=T0)["Product Viewed"]["total"] == 1
    assert not ProfileEventDay.objects.filter(profile=anonymous).exists()


@pytest.mark.parametrize("batches", [1, 3], ids=["one batch", "separate batches"])
def test_a_merge_leaves_its_record_wherever_the_batch_boundaries_fall(send, drain, batches):
    send("track", {"anonymousId": "a9", "event": "Product Viewed", "timestamp": at(0)})
    send("identify", {"userId": "u9", "timestamp": at(1)})
    send("alias", {"userId": "u9", "previousId": "a9", "timestamp": at(2)})
    drain(batch_size=1 if batches == 3 else 500)
    survivor = profile_of("user_id", "u9")
    merge = ProfileMerge.objects.get()
    assert (merge.survivor, merge.reason) == (survivor, "alias")
    assert merge.merged.merged_into == survivor
    assert profile_of("anonymous_id", "a9") == survivor
    survivor.refresh_from_db()
    assert survivor.events_count == 3


def test_two_user_ids_never_merge_silently(send, drain):
    send("identify", {"userId": "u1", "anonymousId": "shared-device", "timestamp": at(0)})
    drain()
    send("identify", {"userId": "u2", "anonymousId": "shared-device", "timestamp": at(1)})
    drain()
    first, second = profile_of("user_id", "u1"), profile_of("user_id", "u2")
    assert first != second
    assert profile_of("anonymous_id", "shared-device") == first  # the identifier stays put
    conflict = IdentityConflict.objects.get()
    assert {conflict.profile, conflict.other_profile} == {first, second}
    assert (conflict.kind, conflict.value) == ("anonymous_id", "shared-device")
    assert not ProfileMerge.objects.exists()


def test_an_email_known_for_another_user_id_is_a_conflict_too(send, drain):
    send("identify", {"userId": "u1", "traits": {"email": "a@example.com"}, "timestamp": at(0)})
    send("identify", {"userId": "u2", "traits": {"email": "a@example.com"}, "timestamp": at(1)})
    drain()
    assert profile_of("user_id", "u1") != profile_of("user_id", "u2")
    assert IdentityConflict.objects.get().kind == "email"


def test_configured_identifier_traits_link_profiles(send, drain):
    from profiles.services import profile_settings_update

    profile_settings_update(identifier_traits=["crm_id"])
    send("identify", {"anonymousId": "web-1", "traits": {"crm_id": "C-9"}, "timestamp": at(0)})
    send("identify", {"anonymousId": "pos-7", "traits": {"crm_id": "C-9"}, "timestamp": at(1)})
    drain()
    assert profile_of("anonymous_id", "web-1") == profile_of("anonymous_id", "pos-7") == profile_of("crm_id", "C-9")


def test_traits_are_last_write_wins_per_key_by_event_time(send, drain):
    send("identify", {"userId": "u1", "traits": {"plan": "enterprise", "city": "Oslo"}, "timestamp": at(10)})
    drain()
    send("identify", {"userId": "u1", "traits": {"plan": "free", "age": 30}, "timestamp": at(1)})  # older, late
    drain()
    profile = profile_of("user_id", "u1")
    assert profile.traits == {"plan": "enterprise", "city": "Oslo", "age": 30}
    history = list(TraitChange.objects.filter(profile=profile, key="plan").values_list("new_value", flat=True))
    assert history == ["enterprise"]


def test_a_repeated_value_still_moves_the_traits_timestamp(send, drain):
    """Only metric columns are written for most events; a trait re-sent with the same value but a
    newer time is a trait write too (its timestamp decides later late arrivals)."""
    send("identify", {"userId": "u1", "traits": {"plan": "pro"}, "timestamp": at(1)})
    drain()
    send("identify", {"userId": "u1", "traits": {"plan": "pro"}, "timestamp": at(10)})  # same value, newer
    drain()
    send("track", {"userId": "u1", "event": "Viewed", "timestamp": at(11)})  # metrics only
    drain()
    send("identify", {"userId": "u1", "traits": {"plan": "free"}, "timestamp": at(5)})  # late, older than 10
    drain()
    profile = profile_of("user_id", "u1")
    assert profile.traits == {"plan": "pro"}
    assert profile.events_count == 4


def test_context_traits_of_any_event_apply(send, drain):
    send(
        "track",
        {
            "anonymousId": "a1",
            "event": "Newsletter Subscribed",
            "context": {"traits": {"email": "News@Example.com", "city": "Lyon"}, "userAgent": "x" * 500},
            "timestamp": at(0),
        },
    )
    drain()
    profile = profile_of("email", "news@example.com")
    assert profile.traits == {"email": "News@Example.com", "city": "Lyon"}
    assert profile == profile_of("anonymous_id", "a1")


def test_group_traits_are_kept_under_group(send, drain):
    send("group", {"userId": "u1", "groupId": "acme", "traits": {"name": "Acme", "plan": "team"}, "timestamp": at(0)})
    drain()
    assert profile_of("user_id", "u1").traits == {"group": {"id": "acme", "name": "Acme", "plan": "team"}}


def test_commerce_metrics_and_sessions(send, drain):
    events = [
        ("page", {"name": "Home"}, 0),
        ("track", {"event": "Order Completed", "properties": {"revenue": "19.99"}}, 5),
        ("track", {"event": "Order Completed", "properties": {"total": 10}}, 20),  # same session
        ("page", {"name": "Home"}, 120),  # a new session after 30+ minutes
        ("track", {"event": "Order Completed", "properties": {"revenue": "n/a"}}, 125),
    ]
    for kind, payload, minutes in events:
        send(kind, {"userId": "u1", "timestamp": at(minutes), **payload})
    drain()
    profile = profile_of("user_id", "u1")
    assert profile.events_count == 5
    assert profile.sessions_count == 2
    assert profile.page_views_count == 2
    assert profile.orders_count == 3
    assert profile.revenue_total == Decimal("29.99")
    assert profile.avg_order_value == Decimal("29.99") / 3
    assert (profile.first_order_at, profile.last_order_at) == (T0 + timedelta(minutes=5), T0 + timedelta(minutes=125))
    assert (profile.first_seen, profile.last_seen) == (T0, T0 + timedelta(minutes=125))


def test_window_counts_come_from_daily_rollups(send, drain):
    for days_ago in (0, 0, 3, 10, 45, 200):
        send(
            "track", {"userId": "u1", "event": "Email Opened", "timestamp": (T0 - timedelta(days=days_ago)).isoformat()}
        )
    drain()
    counts = event_counts(profile_of("user_id", "u1").pk, now=T0)
    assert counts["Email Opened"] == {"last_1d": 2, "last_7d": 3, "last_30d": 4, "last_90d": 5, "total": 6}


def _snapshot():
    """Everything a profile 'is', keyed by user id, independent of ids and processing order."""
    state = {}
    for identity in Identity.objects.filter(kind="user_id").select_related("profile"):
        p = identity.profile
        state[identity.value] = (
            p.traits,
            p.events_count,
            p.sessions_count,
            p.page_views_count,
            p.orders_count,
            p.revenue_total,
            p.first_seen,
            p.last_seen,
            p.first_order_at,
            p.last_order_at,
            sorted(p.identities.values_list("kind", "value")),
            sorted(ProfileEventDay.objects.filter(profile=p).values_list("name", "day", "count", "revenue")),
        )
    return state


def process_with_workers(count: int, *, batch_size: int) -> list[Exception]:
    """Drain the events with `count` worker threads at once (each its own connection); returns the
    errors they raised."""
    errors = []

    def worker():
        try:
            events_process_pending(batch_size=batch_size)
        except Exception as exc:  # returned to the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _history(n_people=30, per_person=12):
    import random

    rng = random.Random(7)
    batch = []
    for person in range(n_people):
        for i in range(per_person):
            minute = rng.randint(0, 60 * 24 * 20)
            kind = rng.choice(["track", "page", "identify", "order"])
            item = {
                "userId": f"user-{person}",
                "anonymousId": f"anon-{person}",
                "timestamp": at(minute),
                "messageId": f"{person}-{i}",
            }
            if kind == "track":
                item |= {"type": "track", "event": rng.choice(["Product Viewed", "Added to Cart"])}
            elif kind == "order":
                item |= {"type": "track", "event": "Order Completed", "properties": {"revenue": rng.randint(5, 200)}}
            elif kind == "page":
                item |= {"type": "page", "name": "Home"}
            else:
                item |= {"type": "identify", "traits": {"plan": rng.choice(["free", "pro"]), "n": i}}
            batch.append(item)
    return batch


def test_out_of_order_arrival_gives_the_same_profiles(send, drain):
    history = _history()
    send("batch", {"batch": sorted(history, key=lambda e: e["timestamp"])})
    drain(batch_size=50)
    in_order = _snapshot()
    Event.objects.all().delete()
    Profile.objects.all().delete()
    send("batch", {"batch": sorted(history, key=lambda e: e["timestamp"], reverse=True)})
    drain(batch_size=7)
    assert _snapshot() == in_order


def test_processing_is_idempotent(send, drain):
    send("track", {"userId": "u1", "event": "E"})
    assert drain() == 1
    assert drain() == 0
    assert profile_of("user_id", "u1").events_count == 1


@pytest.mark.fullstack
@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_give_the_same_state_as_one(send):
    history = _history(n_people=40, per_person=15)
    send("batch", {"batch": history})
    events_process_pending(batch_size=25)
    single = _snapshot()

    Event.objects.all().delete()
    Profile.objects.all().delete()
    send("batch", {"batch": history})
    assert process_with_workers(4, batch_size=25) == []
    assert not Event.objects.filter(processed_at__isnull=True).exists()
    assert _snapshot() == single


def test_rfm_scores_and_classes(make_user, send, drain):
    now = datetime.now(UTC)
    # 10 customers: customer i ordered i+1 times, last order i*20 days ago
    for i in range(10):
        for n in range(i + 1):
            send(
                "track",
                {
                    "userId": f"c{i}",
                    "event": "Order Completed",
                    "properties": {"revenue": 10 * (i + 1)},
                    "timestamp": (now - timedelta(days=(9 - i) * 20, hours=n)).isoformat(),
                },
            )
    send("track", {"userId": "browser", "event": "Product Viewed"})
    drain()
    assert rfm_rerank() == 10
    best, worst = profile_of("user_id", "c9"), profile_of("user_id", "c0")
    assert (best.rfm_recency, best.rfm_frequency, best.rfm_monetary, best.rfm_class) == (5, 5, 5, "Champions")
    assert (worst.rfm_recency, worst.rfm_frequency, worst.rfm_monetary, worst.rfm_class) == (1, 1, 1, "Lost")
    assert profile_of("user_id", "browser").rfm_class == ""
    assert rfm_rerank() == 0  # nothing changed
