"""Request lifecycle: due dates, statuses and their trail, rectification, objection, and the
access / portability bundle."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime

import pytest

from audit.models import AuditEntry
from privacy import services
from privacy.constants import RequestAction, RequestStatus
from privacy.services import RequestError, due_date
from profiles.models import Identity, Profile, TraitChange
from segments.engine import evaluate_segment
from segments.services import segment_create
from tests.privacy.helpers import ANON_PHONE, EMAIL, NAME, USER_ID, ingest_person, marketing_purpose

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


@pytest.fixture
def steward(make_user):
    return make_user("steward")


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (datetime(2026, 3, 15, 9, tzinfo=UTC), datetime(2026, 4, 15, 9, tzinfo=UTC)),
        (datetime(2026, 1, 31, 9, tzinfo=UTC), datetime(2026, 2, 28, 9, tzinfo=UTC)),  # no 31 February
        (datetime(2028, 1, 31, 9, tzinfo=UTC), datetime(2028, 2, 29, 9, tzinfo=UTC)),  # leap year
        (datetime(2026, 12, 20, 9, tzinfo=UTC), datetime(2027, 1, 20, 9, tzinfo=UTC)),
    ],
)
def test_a_request_is_due_one_calendar_month_after_receipt(received, due):
    assert due_date(received) == due


def test_lifecycle_is_recorded_in_the_trail_and_the_audit_log(send, drain, steward):
    person = ingest_person(send, drain)
    request = services.request_create(
        kind="access", identifier_kind="email", identifier_value=f"  {EMAIL.lower()} ", actor=steward
    )
    assert request.profile_id == person.pk
    assert request.status == RequestStatus.RECEIVED
    with pytest.raises(RequestError, match="needs it in progress"):
        services.request_export(request=request, actor=steward)  # not before the identity is verified
    services.request_start_verification(request=request, actor=steward)
    services.request_verify(request=request, actor=steward)
    assert request.status == RequestStatus.IN_PROGRESS
    services.request_note(request=request, message="Sent via secure link", actor=steward)
    services.request_complete(request=request, actor=steward)
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED and request.completed_at is not None
    actions = list(request.trail.values_list("action", flat=True))
    assert actions == [
        RequestAction.RECEIVED,
        RequestAction.VERIFYING,
        RequestAction.VERIFIED,
        RequestAction.NOTE,
        RequestAction.COMPLETED,
    ]
    audited = AuditEntry.objects.filter(target_type="datasubjectrequest", target_id=str(request.pk))
    assert audited.filter(action="privacy_request.received").count() == 1
    assert audited.filter(action="privacy_request.handled").count() == 3
    # The audit log never holds the identifier.
    assert not AuditEntry.objects.filter(details__icontains=EMAIL.lower()).exists()


def test_a_closed_request_takes_no_more_steps(steward):
    request = services.request_create(
        kind="erasure", identifier_kind="user_id", identifier_value="nobody", actor=steward
    )
    services.request_reject(request=request, reason="Could not verify the requester's identity", actor=steward)
    with pytest.raises(RequestError):
        services.request_verify(request=request, actor=steward)
    with pytest.raises(RequestError, match="say why"):
        services.request_reject(
            request=services.request_create(kind="access", identifier_kind="email", identifier_value="a@b.co"),
            reason=" ",
        )


def test_unknown_kinds_are_refused(steward):
    with pytest.raises(RequestError, match="unknown request kind"):
        services.request_create(kind="delete-all", identifier_kind="email", identifier_value="a@b.co")
    with pytest.raises(RequestError, match="unknown identifier kind"):
        services.request_create(kind="access", identifier_kind="passport", identifier_value="X")


def test_export_bundle_holds_everything_with_segment_logic(send, drain, steward):
    person = ingest_person(send, drain)
    segment = segment_create(
        name="Pro buyers",
        rule={
            "all": [
                {"trait": "plan", "op": "eq", "value": "pro"},
                {"event": "Order Completed", "count": {"op": "gte", "value": 1}},
            ]
        },
    )
    evaluate_segment(segment.pk)
    from consent.services import consent_record

    consent_record(profile=person, purpose=marketing_purpose(), state="granted", source="api")
    request = services.request_create(
        kind="portability", identifier_kind="user_id", identifier_value=USER_ID, actor=steward
    )
    services.request_verify(request=request, actor=steward)
    name, data = services.request_export(request=request, actor=steward)
    assert name == f"personal-data-request-{request.pk}.zip"
    archive = zipfile.ZipFile(io.BytesIO(data))
    files = set(archive.namelist())
    assert {
        "data.json",
        "README.txt",
        "profiles.csv",
        "identities.csv",
        "events.csv",
        "segment_memberships.csv",
    } <= files
    document = json.loads(archive.read("data.json"))
    tables = document["tables"]
    assert tables["profiles"][0]["traits"]["name"] == NAME
    assert {(i["kind"], i["value"]) for i in tables["identities"]} >= {
        ("email", EMAIL.lower()),
        ("anonymous_id", ANON_PHONE),
    }
    assert len(tables["events"]) == 5  # including the merged-away phone profile's history
    assert any(row["key"] == "plan" for row in tables["trait_history"])
    assert tables["consent_consentrecord"][0]["state"] == "granted"
    membership = tables["segment_memberships"][0]
    assert membership["segment"] == "Pro buyers"
    assert membership["logic"] == (
        'Included when all of these hold: (the profile attribute "plan" is "pro"); '
        '(the person did "Order Completed" at least 1 times).'
    )
    assert "Pro buyers: Included when" in archive.read("README.txt").decode()
    events_csv = archive.read("events.csv").decode()
    assert events_csv.splitlines()[0].startswith("id,message_id,type,name,user_id")
    assert events_csv.count("\n") == 6
    assert request.trail.filter(action=RequestAction.EXPORTED).exists()
    assert AuditEntry.objects.filter(action="export", target_id=str(request.pk)).exists()


def test_rectification_records_trait_history_and_wins_over_older_events(send, drain, steward):
    person = ingest_person(send, drain)
    pros = segment_create(name="Pros", rule={"trait": "plan", "op": "eq", "value": "pro"})
    evaluate_segment(pros.pk)
    assert pros.memberships.filter(profile=person).exists()
    request = services.request_create(
        kind="rectification", identifier_kind="email", identifier_value=EMAIL, actor=steward
    )
    services.request_verify(request=request, actor=steward)
    services.request_rectify(request=request, traits={"name": "Erin Quist", "plan": None}, actor=steward)
    assert not pros.memberships.filter(profile=person).exists()  # segments follow the correction
    person.refresh_from_db()
    assert person.traits["name"] == "Erin Quist"
    assert "plan" not in person.traits
    change = TraitChange.objects.filter(profile=person, key="name").order_by("-id").first()
    assert (change.old_value, change.new_value) == (NAME, "Erin Quist")
    # A late event with an older timestamp does not undo the correction.
    send("identify", {"userId": USER_ID, "traits": {"name": NAME}, "timestamp": "2020-01-01T00:00:00Z"})
    drain()
    person.refresh_from_db()
    assert person.traits["name"] == "Erin Quist"


def test_objection_is_recorded_through_consent(send, drain, steward):
    person = ingest_person(send, drain)
    request = services.request_create(
        kind="objection", identifier_kind="user_id", identifier_value=USER_ID, actor=steward
    )
    services.request_verify(request=request, actor=steward)
    services.request_object(request=request, actor=steward)
    from consent.models import ProfileObjection

    assert ProfileObjection.objects.get(profile=person).objected is True
    assert request.trail.filter(action=RequestAction.OBJECTED).exists()


def test_a_request_names_the_live_profile_even_by_a_merged_away_identifier(send, drain, steward):
    person = ingest_person(send, drain)
    merged = Identity.objects.get(value=ANON_PHONE).profile
    assert merged == person  # identities move to the survivor
    by_old_id = services.request_create(
        kind="access",
        identifier_kind="profile_id",
        identifier_value=str(Profile.objects.filter(merged_into=person).first().pk),
        actor=steward,
    )
    assert by_old_id.profile_id == person.pk


def test_an_access_request_about_an_unknown_person_gets_a_bundle_saying_nothing_is_held(steward):
    request = services.request_create(kind="access", identifier_kind="email", identifier_value="x@nowhere.example")
    services.request_verify(request=request, actor=steward)
    _, data = services.request_export(request=request, actor=steward)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert "No personal data about this identifier is held." in archive.read("README.txt").decode()
    assert all(rows == [] for rows in json.loads(archive.read("data.json"))["tables"].values())
