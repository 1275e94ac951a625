"""Segment membership: full evaluation, incremental evaluation inside event batches, cascades
in dependency order, merges, and the ledger that explains every change."""

import pytest

from ingestion.models import Event
from profiles.models import Identity
from segments.engine import evaluate_segment
from segments.models import Membership, MembershipChange, Segment
from segments.rules import RuleError
from segments.services import segment_archive, segment_create, segment_update

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

PRO = {"trait": "plan", "op": "eq", "value": "pro"}


def profile_id(user_id: str) -> int:
    return Identity.objects.get(kind="user_id", value=user_id).profile_id


def members(segment: Segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("profile_id", flat=True))


def test_full_evaluation_on_create_writes_members_and_the_ledger(send, drain):
    for user, plan in [("u1", "pro"), ("u2", "free"), ("u3", "pro")]:
        send("identify", {"userId": user, "traits": {"plan": plan}})
    drain()
    segment = segment_create(name="Pro plan", rule=PRO)
    assert evaluate_segment(segment.pk) == 2
    assert members(segment) == {profile_id("u1"), profile_id("u3")}
    segment.refresh_from_db()
    assert (segment.member_count, segment.evaluation) == (2, "done")
    assert set(MembershipChange.objects.values_list("cause", "entered", "version")) == {("rule_edit", True, 1)}


def test_events_move_people_in_and_out_within_their_batch(send, drain):
    segment = segment_create(name="Pro plan", rule=PRO)
    evaluate_segment(segment.pk)
    send("identify", {"userId": "u1", "traits": {"plan": "pro"}, "messageId": "upgrade"})
    drain()
    assert members(segment) == {profile_id("u1")}
    entered = MembershipChange.objects.get(entered=True)
    assert (entered.cause, entered.event_id) == ("event", Event.objects.get(message_id="upgrade").pk)

    send("identify", {"userId": "u1", "traits": {"plan": "free"}, "messageId": "downgrade"})
    drain()
    assert members(segment) == set()
    exited = MembershipChange.objects.get(entered=False)
    assert exited.event_id == Event.objects.get(message_id="downgrade").pk
    segment.refresh_from_db()
    assert segment.member_count == 0


def test_segment_of_segment_cascades_in_dependency_order(send, drain):
    pro = segment_create(name="Pro plan", rule=PRO)
    buyers = segment_create(
        name="Pro buyers",
        rule={"all": [{"segment": pro.pk, "member": True}, {"event": "Order Completed"}]},
    )
    for segment in (pro, buyers):
        evaluate_segment(segment.pk)
    # One batch: the profile becomes pro AND buys; the second segment must see the first's change.
    send(
        "batch",
        {
            "batch": [
                {"type": "identify", "userId": "u1", "traits": {"plan": "pro"}},
                {"type": "track", "userId": "u1", "event": "Order Completed", "properties": {"revenue": 5}},
            ]
        },
    )
    drain()
    assert members(pro) == members(buyers) == {profile_id("u1")}


def test_incremental_membership_agrees_with_full_evaluation(send, drain):
    from tests.profiles.test_pipeline import _history

    rules = [
        PRO,
        {"event": "Order Completed", "count": {"op": "gte", "value": 2}},
        {"any": [{"metric": "orders_count", "op": "eq", "value": 0}, {"not": PRO}]},
    ]
    segments = [segment_create(name=f"s{i}", rule=rule) for i, rule in enumerate(rules)]
    for segment in segments:
        evaluate_segment(segment.pk)
    send("batch", {"batch": _history(n_people=25, per_person=10)})
    drain(batch_size=17)
    incremental = {segment.pk: members(segment) for segment in segments}
    for segment in segments:
        evaluate_segment(segment.pk)  # the SQL target over everyone now
        assert members(segment) == incremental[segment.pk], segment.name
    assert not MembershipChange.objects.filter(cause="rule_edit").exclude(version=1).exists()


def test_a_merged_profile_leaves_its_segments(send, drain):
    segment = segment_create(name="Browsers", rule={"event": "Product Viewed"})
    evaluate_segment(segment.pk)
    send("track", {"anonymousId": "a1", "event": "Product Viewed"})
    send("identify", {"userId": "u1"})
    drain()
    anonymous = Identity.objects.get(kind="anonymous_id", value="a1").profile_id
    assert members(segment) == {anonymous}
    send("alias", {"userId": "u1", "previousId": "a1"})
    drain()
    survivor = profile_id("u1")
    assert members(segment) == {survivor}
    causes = set(
        MembershipChange.objects.filter(profile_id__in=[anonymous, survivor]).values_list(
            "profile_id", "entered", "cause"
        )
    )
    assert (anonymous, False, "merge") in causes
    assert (survivor, True, "merge") in causes


def test_malformed_rules_and_cycles_are_refused_with_a_path():
    with pytest.raises(RuleError) as error:
        segment_create(name="bad", rule={"all": [PRO, {"trait": "plan", "op": "wobbles", "value": 1}]})
    assert error.value.path.startswith("$.all[1]")
    with pytest.raises(RuleError, match="segment 999 does not exist"):
        segment_create(name="ghost", rule={"segment": 999, "member": True})
    first = segment_create(name="first", rule=PRO)
    second = segment_create(name="second", rule={"segment": first.pk, "member": True})
    with pytest.raises(RuleError, match="loop"):
        segment_update(segment=first, rule={"segment": second.pk, "member": False})
    assert Segment.objects.get(pk=first.pk).version == 1


def test_editing_a_rule_makes_a_version_and_archiving_empties_the_segment(send, drain):
    send("identify", {"userId": "u1", "traits": {"plan": "pro"}})
    drain()
    segment = segment_create(name="Pro plan", rule=PRO)
    evaluate_segment(segment.pk)
    segment = segment_update(segment=segment, rule={"trait": "plan", "op": "eq", "value": "free"})
    assert segment.version == 2
    evaluate_segment(segment.pk)
    assert members(segment) == set()
    assert MembershipChange.objects.filter(entered=False, version=2, cause="rule_edit").count() == 1
    assert list(segment.versions.values_list("version", flat=True)) == [2, 1]
    segment = segment_update(segment=segment, rule=PRO)
    evaluate_segment(segment.pk)
    segment_archive(segment=segment)
    assert members(segment) == set()
    assert MembershipChange.objects.filter(cause="archive").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_activation_hook_hears_committed_changes_only(send, drain):
    from django.db import transaction

    from segments.engine import off_membership_changes, on_membership_changes

    heard: list[dict] = []
    on_membership_changes(heard.extend)
    try:
        segment = segment_create(name="Pro plan", rule=PRO)
        evaluate_segment(segment.pk)
        send("identify", {"userId": "u1", "traits": {"plan": "pro"}})
        drain()
        assert [(m["segment_id"], m["change"], m["cause"]) for m in heard] == [(segment.pk, "entered", "event")]

        heard.clear()
        send("identify", {"userId": "u1", "traits": {"plan": "free"}})
        with pytest.raises(RuntimeError), transaction.atomic():
            drain()
            raise RuntimeError("the batch's transaction rolls back")
        assert heard == []  # nothing committed, nothing heard
        assert members(segment) == {profile_id("u1")}
    finally:
        off_membership_changes(heard.extend)


@pytest.mark.fullstack
@pytest.mark.parametrize("copy_rows", [1, 1_000_000], ids=["copy", "one-insert"])
def test_many_changes_are_written_with_copy_to_the_same_rows(send, drain, monkeypatch, copy_rows):
    """PostgreSQL writes many membership changes at once (a full evaluation of a large segment)
    with COPY instead of one INSERT of arrays: the same memberships, ledger rows and counts."""
    from django.db import IntegrityError, transaction
    from django.utils import timezone

    from segments import pg

    monkeypatch.setattr(pg, "COPY_ROWS", copy_rows)
    for user, plan in [("u1", "pro"), ("u2", "free"), ("u3", "pro")]:
        send("identify", {"userId": user, "traits": {"plan": plan}})
    drain()
    segment = segment_create(name="Pro plan", rule=PRO)
    assert evaluate_segment(segment.pk) == 2
    send("identify", {"userId": "u1", "traits": {"plan": "free"}})
    send("identify", {"userId": "u2", "traits": {"plan": "pro"}})
    drain()
    u1, u2, u3 = profile_id("u1"), profile_id("u2"), profile_id("u3")
    assert members(segment) == {u2, u3}
    ledger = MembershipChange.objects.filter(segment=segment).order_by("id")
    assert [(c.profile_id, c.entered, c.cause, c.version) for c in ledger] == [
        (u1, True, "rule_edit", 1),
        (u3, True, "rule_edit", 1),
        (u1, False, "event", 1),
        (u2, True, "event", 1),
    ]
    events = dict(Event.objects.filter(type="identify").values_list("user_id", "id").order_by("id"))
    assert {c.profile_id: c.event_id for c in ledger if c.cause == "event"} == {u1: events["u1"], u2: events["u2"]}
    segment.refresh_from_db()
    assert segment.member_count == 2
    # A pair that is already a member is a bug upstream: refused, never silently skipped (the
    # member count would drift).
    with pytest.raises(IntegrityError), transaction.atomic():
        pg.memberships_insert([(segment.pk, u2)], timezone.now())


@pytest.mark.fullstack
def test_a_trait_compared_as_a_date_time_gets_an_index_that_the_time_sweep_reads():
    """PostgreSQL: the first evaluation of a rule comparing a trait as a date-time indexes that
    trait's moment, so that the time sweep's band queries (every few seconds) and the rule's own
    query read index entries instead of parsing every profile's traits. Building it again is a
    no-op."""
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from profiles.models import Profile
    from segments import pg
    from segments.rules import parse
    from segments.rules.crossings import crossing_querysets
    from segments.rules.to_sql import matching_profiles, sql_text

    now = timezone.now()
    Profile.objects.bulk_create(
        Profile(traits={"account": {"signed_up_at": (now - timedelta(days=day)).isoformat()}}) for day in range(2000)
    )
    with connection.cursor() as cursor:  # no deferred checks pending: CREATE INDEX refuses to run then
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    rule = {"trait": "account.signed_up_at", "op": "within_last", "value": {"days": 30}}
    segment = segment_create(name="Recent sign-ups", rule=rule)
    evaluate_segment(segment.pk)
    name = pg.trait_date_index_name(("account", "signed_up_at"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
        assert "shoal_moment(((traits -> 'account'::text) ->> 'signed_up_at'::text))" in cursor.fetchone()[0]
        cursor.execute("ANALYZE profiles_profile")
        queries = crossing_querysets(parse(rule), now - timedelta(seconds=10), now)
        for query in [*queries, matching_profiles(rule, now=now).values("pk")]:
            cursor.execute("EXPLAIN " + sql_text(query))
            assert name in "\n".join(row[0] for row in cursor.fetchall())
    assert pg.index_trait_dates({("account", "signed_up_at")}, concurrently=False) == []
    evaluate_segment(segment_create(name="Plan", rule=PRO).pk)  # no date-time comparison: no index
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = %s", [pg.trait_date_index_name(("plan",))])
        assert cursor.fetchone()[0] == 0


@pytest.mark.fullstack
def test_the_database_parses_date_times_with_the_function_the_code_defines():
    """The migrations installed values.MOMENT_FUNCTION with the body the code has now, and that
    body is the one the latest migration installing it was written for: a changed body needs a
    new migration that installs it again and rebuilds the indexes of its values (a database
    migrated before would otherwise keep the old body, and its indexes the old values)."""
    import hashlib
    import importlib

    from django.db import connection

    from segments.rules.values import MOMENT_FUNCTION, MOMENT_FUNCTION_BODY

    migration = importlib.import_module("segments.migrations.0007_moment_function")
    assert hashlib.sha256(MOMENT_FUNCTION_BODY.encode()).hexdigest() == migration.BODY_SHA256, (
        "MOMENT_FUNCTION_BODY changed: add a migration that installs it and rebuilds the trait moment indexes"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT prosrc FROM pg_proc WHERE proname = %s AND pronamespace = current_schema()::regnamespace",
            [MOMENT_FUNCTION],
        )
        assert cursor.fetchone() == (MOMENT_FUNCTION_BODY,)


@pytest.mark.fullstack
def test_the_database_date_time_parse_does_not_depend_on_the_session_time_zone():
    """It is IMMUTABLE (indexes hold its values): a date-time without a zone is UTC whatever the
    session's TimeZone says, as in Python."""
    from django.db import connection

    from segments.rules.values import MOMENT_FUNCTION, moment_seconds

    texts = ["2024-01-01", "2024-01-01 10:00:00", "2024-01-01T10:00:00.999", "2024-01-01T10:00:00+05:30"]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TIME ZONE 'Asia/Tokyo'")
        cursor.execute(f"SELECT extract(epoch FROM {MOMENT_FUNCTION}(t))::bigint FROM unnest(%s::text[]) t", [texts])  # noqa: S608
        assert [row[0] for row in cursor.fetchall()] == [moment_seconds(text) for text in texts]


@pytest.mark.fullstack
@pytest.mark.django_db(transaction=True)
def test_the_evaluation_task_builds_the_trait_date_index_concurrently():
    """Outside a transaction (the evaluation task) the index is built CONCURRENTLY, and valid."""
    from django.db import connection

    from segments import pg

    segment = segment_create(name="Trial ends", rule={"trait": "trial_ends_at", "op": "before", "value": "2027-01-01"})
    evaluate_segment(segment.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
            [pg.trait_date_index_name(("trial_ends_at",))],
        )
        assert cursor.fetchone() == (True,)
        cursor.execute(f"DROP INDEX {pg.trait_date_index_name(('trial_ends_at',))}")  # the schema outlives the test


def test_a_new_worker_process_compiles_the_active_rules_before_its_first_batch():
    import gc

    from celery.signals import worker_process_init

    from segments import engine

    active = segment_create(name="Pro plan", rule=PRO)
    archived = segment_create(name="Free plan", rule={"trait": "plan", "op": "eq", "value": "free"})
    segment_archive(segment=archived)
    engine._compiled.clear()
    try:
        worker_process_init.send(sender=None)  # what a prefork pool process hears after the fork
        compiled = {(segment_id, version) for segment_id, version, _ in engine._compiled}
        assert compiled == {(active.pk, active.version)}
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_worker_whose_warm_up_fails_starts_all_the_same(monkeypatch):
    from django.db import DatabaseError

    from segments import engine

    def not_ready(*args, **kwargs):
        raise DatabaseError('relation "segments_segment" does not exist')

    monkeypatch.setattr(engine.Segment.objects, "filter", not_ready)
    assert engine.warm_up() == 0
