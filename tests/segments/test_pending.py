"""Event batches are evaluated right after they commit (segments.pending): the batch's own
transaction records the work, nothing recorded is ever lost, one evaluation writes memberships at a
time, and profiles merged or erased in between are not brought back."""

import threading

import orjson
import pytest
from django.db import connection, transaction

from ingestion.models import Event
from profiles.models import Identity, Profile
from profiles.pipeline import _apply_batch, events_process_pending
from segments.engine import evaluate_segment, lock_membership
from segments.models import Membership, MembershipChange, PendingEvaluation, Segment
from segments.pending import pending_evaluate
from segments.services import segment_create

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

BUYERS = {"event": "Order Completed"}


def profile_id(user_id: str) -> int:
    return Identity.objects.get(kind="user_id", value=user_id).profile_id


def members(segment: Segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("profile_id", flat=True))


def test_a_batch_records_its_evaluation_and_a_worker_dying_after_the_commit_loses_nothing(send, drain):
    buyers = segment_create(name="Buyers", rule=BUYERS)
    evaluate_segment(buyers.pk)
    send("track", {"userId": "u1", "event": "Order Completed", "messageId": "order-1"})

    _apply_batch(100)  # the batch's transaction alone: its worker dies right after the commit
    assert Event.objects.filter(processed_at__isnull=True).count() == 0
    recorded = PendingEvaluation.objects.get()
    assert list(recorded.changes) == [str(profile_id("u1"))]
    assert {"event:Order Completed", "new"} <= set(recorded.changes[str(profile_id("u1"))])
    assert members(buyers) == set()

    assert drain() == 0  # beat's sweeper: no events left, the recorded batch is evaluated
    assert members(buyers) == {profile_id("u1")}
    entered = MembershipChange.objects.get(segment=buyers)
    assert (entered.cause, entered.event_id) == ("event", Event.objects.get(message_id="order-1").pk)
    assert not PendingEvaluation.objects.exists()
    assert Segment.objects.get(pk=buyers.pk).member_count == 1


def test_batches_waiting_together_are_evaluated_in_order_and_a_merged_profile_is_not_brought_back(send, drain):
    pro = segment_create(name="Pro", rule={"trait": "plan", "op": "eq", "value": "pro"})
    evaluate_segment(pro.pk)
    send("identify", {"anonymousId": "a1", "traits": {"plan": "pro"}, "messageId": "trial"})
    send("identify", {"userId": "u1", "messageId": "signup"})
    _apply_batch(100)
    anonymous = Identity.objects.get(kind="anonymous_id", value="a1").profile_id
    send("alias", {"userId": "u1", "previousId": "a1", "messageId": "link"})
    _apply_batch(100)  # merges the anonymous profile into u1 before the first batch was evaluated
    assert PendingEvaluation.objects.count() == 2

    assert pending_evaluate() == 1
    assert members(pro) == {profile_id("u1")}
    assert not MembershipChange.objects.filter(profile_id=anonymous).exists()  # never entered, never left
    entered = MembershipChange.objects.get(segment=pro)
    assert (entered.profile_id, entered.cause) == (profile_id("u1"), "merge")
    assert not PendingEvaluation.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_profile_erased_before_its_batch_is_evaluated_gets_no_membership_back(send, drain, make_user):
    from privacy import services

    buyers = segment_create(name="Buyers", rule=BUYERS)
    evaluate_segment(buyers.pk)
    send("track", {"userId": "gone", "event": "Order Completed"})
    send("track", {"userId": "stays", "event": "Order Completed"})
    _apply_batch(100)
    gone = profile_id("gone")
    steward = make_user("steward")
    request = services.request_create(kind="erasure", identifier_kind="user_id", identifier_value="gone", actor=steward)
    services.request_verify(request=request, actor=steward)
    services.request_erase(request=request, actor=steward)

    assert drain() == 0
    assert members(buyers) == {profile_id("stays")}
    assert not Membership.objects.filter(profile_id=gone).exists()
    assert not MembershipChange.objects.filter(profile_id=gone).exists()
    assert Segment.objects.get(pk=buyers.pk).member_count == 1
    assert not PendingEvaluation.objects.exists()


@pytest.mark.fullstack
@pytest.mark.django_db(transaction=True)
def test_a_worker_finding_another_evaluating_leaves_the_work_to_it(send):
    """While another transaction writes memberships, a worker goes back to events at once; the
    recorded batch stays recorded until an evaluation takes it."""
    buyers = segment_create(name="Buyers", rule=BUYERS)
    evaluate_segment(buyers.pk)
    holding, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                lock_membership()
                holding.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(30)
        send("track", {"userId": "u1", "event": "Order Completed"})
        assert events_process_pending() == 1  # applied, not evaluated: it did not wait for the lock
        assert members(buyers) == set()
        assert PendingEvaluation.objects.count() == 1
    finally:
        release.set()
        thread.join()
    assert pending_evaluate() == 1
    assert members(buyers) == {profile_id("u1")}
    assert not PendingEvaluation.objects.exists()


@pytest.mark.fullstack
@pytest.mark.django_db(transaction=True)
def test_several_workers_at_once_leave_the_memberships_a_full_evaluation_gives(send):
    from tests.profiles.test_pipeline import _history, process_with_workers

    rules = {
        "Buyers": BUYERS,
        "Pro": {"trait": "plan", "op": "eq", "value": "pro"},
        "Two orders": {"event": "Order Completed", "count": {"op": "gte", "value": 2}},
        "Viewers not buying": {"all": [{"event": "Product Viewed"}, {"not": BUYERS}]},
    }
    segments = [segment_create(name=name, rule=rule) for name, rule in rules.items()]
    for segment in segments:
        evaluate_segment(segment.pk)
    send("batch", {"batch": _history(n_people=40, per_person=15)})
    assert process_with_workers(4, batch_size=25) == []
    assert not PendingEvaluation.objects.exists()
    assert Profile.objects.count() > 0 and Membership.objects.exists()
    for segment in segments:
        assert evaluate_segment(segment.pk) == 0, f"{segment.name}: incremental and full evaluation differ"
        assert Segment.objects.get(pk=segment.pk).member_count == len(members(segment))


@pytest.mark.fullstack
def test_the_engine_reads_date_times_as_the_orm_does(send, drain):
    """segments.pg.fetch_all parses date-times with psycopg's C loader on its own cursor: the same
    aware UTC values as Django's loader, which the connection's other cursors keep."""
    from datetime import UTC, datetime

    from psycopg.pq import Format
    from psycopg.types.datetime import TimestamptzLoader as PythonLoader

    from segments import pg

    send("track", {"userId": "u1", "event": "Order Completed", "timestamp": "2026-03-01T10:20:30.123456+02:00"})
    drain()
    event = Event.objects.get(name="Order Completed")
    ((timestamp,),) = pg.fetch_all("SELECT timestamp FROM ingestion_event WHERE id = %s", [event.pk])
    assert timestamp == event.timestamp == datetime(2026, 3, 1, 8, 20, 30, 123456, tzinfo=UTC)
    assert timestamp.utcoffset().total_seconds() == 0
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(pg.TIMESTAMPTZ_OID, Format.TEXT)
        assert issubclass(loader, PythonLoader)  # Django's own, untouched


@pytest.mark.fullstack
def test_the_engine_reads_the_same_events_as_the_portable_query(send, drain):
    """On PostgreSQL the engine reads a profile's events with its own hand-written statement;
    it returns exactly the rows of the portable ORM query:
    only the wanted names, windows cut where asked, properties only where a condition reads them."""
    from datetime import UTC, datetime

    from segments.rules.state import EventNeed, _event_records, _event_records_query

    for user, name, day in [
        ("u1", "Order Completed", 1),
        ("u1", "Order Completed", 20),
        ("u1", "Product Viewed", 5),
        ("u1", "Product Viewed", 25),
        ("u1", "Email Opened", 10),
        ("u2", "Product Viewed", 28),
        ("u3", "Order Completed", 2),
    ]:
        send(
            "track",
            {
                "userId": user,
                "event": name,
                "properties": {"revenue": day},
                "timestamp": f"2026-03-{day:02d}T10:00:00Z",
            },
        )
    send("page", {"userId": "u2", "name": "Home", "timestamp": "2026-03-12T10:00:00Z"})
    drain()
    ids = [profile_id("u1"), profile_id("u2")]
    for needs in [
        None,
        {"Product Viewed": EventNeed(datetime(2026, 3, 10, tzinfo=UTC), properties=False)},
        {
            "Order Completed": EventNeed(None, properties=True),
            "Product Viewed": EventNeed(datetime(2026, 3, 10, tzinfo=UTC), properties=False),
            "Page Viewed": EventNeed(None, properties=True),
        },
    ]:
        portable = sorted(
            (pid, name, timestamp, text or "")
            for pid, name, timestamp, text in _event_records_query(ids, needs)
            if name
        )
        read = sorted(
            (pid, record.name, record.timestamp, record.properties) for pid, record in _event_records(ids, needs)
        )
        assert [(p, n, t) for p, n, t, _ in read] == [(p, n, t) for p, n, t, _ in portable], needs
        assert [props for *_, props in read] == [orjson.loads(text) if text else {} for *_, text in portable]
        assert read, needs
