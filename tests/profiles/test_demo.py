"""The demo population: planted behaviours show up in the computed metrics after a load through
the real pipeline; the load runs once; generation is deterministic for a seed."""

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ingestion.models import Event, Source
from ingestion.tracking.normalize import normalize
from profiles.demo import SOURCE_NAME, Persona, population, population_messages
from profiles.metrics import days_since, event_counts
from profiles.models import Identity, Profile

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

CUSTOMERS, DAYS, SEED = 150, 90, 42


def load(*args) -> str:
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Load the small demo population once for this module (committed), and remove it after."""
    with django_db_blocker.unblock():
        output = load("--customers", str(CUSTOMERS), "--days", str(DAYS), "--seed", str(SEED))
        people = population(CUSTOMERS, SEED)
        yield {"output": output, "people": people}
        Event.objects.all().delete()
        Profile.objects.all().delete()
        Source.objects.filter(name=SOURCE_NAME).delete()


def of(demo, persona: str) -> list:
    people = [p for p in demo["people"] if p.persona == persona]
    assert people, f"the population has no {persona}"
    return people


def profile_of(person) -> Profile:
    kind, value = ("user_id", person.user_id) if person.user_id else ("anonymous_id", person.anonymous_id)
    return Identity.objects.select_related("profile").get(kind=kind, value=value).profile


def test_every_event_went_through_the_pipeline_into_one_profile_per_person(demo):
    assert "Demo data loaded" in demo["output"]
    source = Source.objects.get(name=SOURCE_NAME)
    assert source.kind == "server"
    assert not Event.objects.filter(source=source, processed_at__isnull=True).exists()
    live = Profile.objects.filter(merged_into__isnull=True)
    assert live.count() == len(demo["people"]) == CUSTOMERS + CUSTOMERS // 10
    assert Identity.objects.filter(kind="user_id").count() == CUSTOMERS


def test_loyal_high_spenders_have_the_top_revenue_and_rfm_scores(demo):
    loyal = {profile_of(p).pk for p in of(demo, Persona.LOYAL)}
    top = Profile.objects.filter(merged_into__isnull=True).order_by("-revenue_total")[: len(loyal)]
    assert {p.pk for p in top} == loyal
    for profile in Profile.objects.filter(pk__in=loyal):
        assert profile.orders_count >= 4
        assert profile.avg_order_value >= Decimal(150)
        assert profile.rfm_monetary == 5
        assert profile.rfm_class in ("Champions", "Loyal")
        assert days_since(profile.last_order_at) < 20
        assert profile.traits["plan"] == "premium"  # upgraded after the third order


def test_lapsing_customers_ordered_regularly_then_went_quiet_for_60_to_150_days(demo):
    for person in of(demo, Persona.LAPSING):
        profile = profile_of(person)
        assert profile.orders_count >= 3
        assert 60 <= days_since(profile.last_order_at) <= 150
        assert days_since(profile.last_seen) >= 60


def test_one_time_buyers_ordered_exactly_once(demo):
    for person in of(demo, Persona.ONE_TIME):
        profile = profile_of(person)
        assert profile.orders_count == 1
        assert days_since(profile.last_order_at) >= 19


def test_new_customers_first_ordered_in_the_last_two_weeks(demo):
    for person in of(demo, Persona.NEW):
        profile = profile_of(person)
        assert 1 <= profile.orders_count <= 2
        assert days_since(profile.first_order_at) <= 13


def test_cart_abandoners_start_checkouts_but_do_not_pay(demo):
    for person in of(demo, Persona.CART_ABANDONER):
        profile = profile_of(person)
        counts = event_counts(profile.pk)
        assert counts["Checkout Started"]["last_30d"] >= 2
        assert profile.last_order_at is None or days_since(profile.last_order_at) > 30


def test_bargain_hunters_order_small_baskets_with_coupons(demo):
    coupons = defaultdict(list)
    values = defaultdict(list)
    persona_of = {p.user_id: p.persona for p in demo["people"] if p.user_id}
    for user_id, properties in Event.objects.filter(name="Order Completed").values_list("user_id", "properties"):
        coupons[persona_of[user_id]].append("coupon" in properties)
        values[persona_of[user_id]].append(properties["revenue"])
    bargain = Persona.BARGAIN
    assert sum(coupons[bargain]) / len(coupons[bargain]) >= 0.8
    others = [used for persona, flags in coupons.items() if persona != bargain for used in flags]
    assert sum(others) / len(others) <= 0.3
    assert max(values[bargain]) < min(values[Persona.LOYAL])


def test_browsers_who_signed_up_keep_their_anonymous_history(demo):
    for person in of(demo, Persona.SIGNED_UP_BROWSER):
        profile = profile_of(person)
        assert Identity.objects.get(kind="anonymous_id", value=person.anonymous_id).profile == profile
        anonymous_views = Event.objects.filter(anonymous_id=person.anonymous_id, user_id__isnull=True, type="page")
        assert anonymous_views.exists()
        assert set(anonymous_views.values_list("profile_id", flat=True)) == {profile.pk}
        assert profile.page_views_count >= anonymous_views.count()


def test_browsing_on_a_second_device_joins_the_profile_through_an_alias(demo):
    aliases = Event.objects.filter(type="alias")
    assert aliases.exists()
    for alias in aliases:
        profile = Identity.objects.get(kind="user_id", value=alias.user_id).profile
        assert Identity.objects.get(kind="anonymous_id", value=alias.previous_id).profile == profile
        phone_views = Event.objects.filter(anonymous_id=alias.previous_id, user_id__isnull=True)
        assert phone_views.exists()
        assert set(phone_views.values_list("profile_id", flat=True)) == {profile.pk}
        assert not Profile.objects.filter(pk__in=phone_views.values("profile_id"), merged_into__isnull=False).exists()


def test_email_engagers_open_and_click_but_rarely_buy(demo):
    for person in of(demo, Persona.EMAIL_ENGAGER):
        profile = profile_of(person)
        counts = event_counts(profile.pk)
        assert profile.orders_count <= 1
        assert counts["Newsletter Subscribed"]["total"] == 1
        assert counts.get("Email Opened", {}).get("total", 0) >= 2


def test_anonymous_browsers_never_get_a_user_id(demo):
    for person in of(demo, Persona.ANONYMOUS):
        profile = profile_of(person)
        assert not profile.identities.filter(kind="user_id").exists()
        assert profile.orders_count == 0
        assert profile.events_count >= 2


def test_the_load_runs_once_unless_forced(demo):
    before = Event.objects.count()
    assert "already loaded" in load("--customers", str(CUSTOMERS), "--days", str(DAYS))
    assert Event.objects.count() == before
    # Forced with the same seed: the same messageIds, so nothing is stored twice.
    output = load("--customers", str(CUSTOMERS), "--days", str(DAYS), "--seed", str(SEED), "--force")
    assert f"{before:,} already stored" in output
    assert Event.objects.count() == before


def test_an_interrupted_load_is_finished_by_the_next_run_not_skipped(demo, settings):
    """`make run` interrupted during its first load (Ctrl-C, a closed laptop) left some demo events
    and no record of an ending: the next run finishes the load instead of skipping it."""
    from pathlib import Path

    from profiles.demo_data import COMPLETION_FILE

    marker = Path(settings.VAR_DIR) / COMPLETION_FILE
    before = Event.objects.count()
    recorded = marker.read_text()
    marker.unlink()  # as if the load had stopped before its end
    try:
        output = load("--customers", str(CUSTOMERS), "--days", str(DAYS), "--seed", str(SEED))
        assert "stopped before its end" in output
        assert f"{before:,} already stored" in output
        assert Event.objects.count() == before
        assert "already loaded" in load("--customers", str(CUSTOMERS), "--days", str(DAYS))  # finished now
    finally:
        marker.write_text(recorded)


def test_forced_with_another_seed_adds_different_people(demo):
    before_users = Identity.objects.filter(kind="user_id").count()
    load("--customers", "10", "--days", str(DAYS), "--seed", "7", "--force")
    assert Identity.objects.filter(kind="user_id").count() == before_users + 10


def test_too_short_a_history_is_refused(db):
    with pytest.raises(CommandError, match="at least 90"):
        load("--days", "30")


def test_generation_is_deterministic_for_a_seed_and_valid_segment_spec():
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)

    def messages(seed):
        return [m for _, ms in population_messages(customers=40, days=DAYS, seed=seed, now=now) for m in ms]

    first, again, other = messages(1), messages(1), messages(2)
    assert first == again
    assert not {m["messageId"] for m in first} & {m["messageId"] for m in other}
    assert {m.get("userId") for m in first} != {m.get("userId") for m in other}
    assert len({m["messageId"] for m in first}) == len(first)
    for message in first:
        outcome = normalize(message, forced_type=None, received_at=now)
        assert outcome.event is not None and outcome.notices == [], message
        assert outcome.event.timestamp <= now
        assert outcome.event.timestamp == datetime.fromisoformat(message["timestamp"])


def test_the_stored_history_matches_the_generated_one(demo):
    """Same seed, same people and messageIds: what is stored is exactly what the generator made."""
    source = Source.objects.get(name=SOURCE_NAME)
    expected_orders = defaultdict(int)
    expected_ids = set()
    for person, messages in population_messages(customers=CUSTOMERS, days=DAYS, seed=SEED, now=timezone.now()):
        expected_ids.update(m["messageId"] for m in messages)
        expected_orders[person.index] = sum(1 for m in messages if m.get("event") == "Order Completed")
    assert set(Event.objects.filter(source=source).values_list("message_id", flat=True)) == expected_ids
    for person in demo["people"]:
        assert profile_of(person).orders_count == expected_orders[person.index]
