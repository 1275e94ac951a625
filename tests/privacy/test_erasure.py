"""The erasure proof: after an erasure no table holds the person's profile ids or identifiers,
re-sent events are suppressed (200, not stored), and lifting the suppression lets them in again."""

from __future__ import annotations

import pytest

from ingestion.models import Event, IngestionWarning
from privacy import services
from privacy.constants import SUPPRESSED_WARNING_CODE, RequestStatus
from privacy.models import Suppression
from profiles.models import Identity, Profile, ProfileMerge
from segments.engine import evaluate_segment
from segments.models import Membership, MembershipChange, Segment
from segments.services import segment_create
from tests.privacy.helpers import (
    ANON_PHONE,
    ANON_WEB,
    EMAIL,
    NAME,
    USER_ID,
    ingest_person,
    marketing_purpose,
    rows_containing,
    rows_referencing_profiles,
)

pytestmark = [pytest.mark.embedded, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def steward(make_user):
    return make_user("steward")


def erase(identifier_kind, identifier_value, actor):
    request = services.request_create(
        kind="erasure", identifier_kind=identifier_kind, identifier_value=identifier_value, actor=actor
    )
    services.request_verify(request=request, actor=actor)
    return services.request_erase(request=request, actor=actor)


def test_erasure_leaves_no_trace_and_suppresses_re_ingestion(send, drain, steward, django_capture_on_commit_callbacks):
    person = ingest_person(send, drain)
    bystander = ingest_person(
        send, drain, user_id="bystander-1", email="bystander@example.org", anon_web="by-w", anon_phone="by-p", name="Bo"
    )
    erased_ids = {person.pk} | set(Profile.objects.filter(merged_into=person).values_list("pk", flat=True))
    assert len(erased_ids) >= 2, "the alias must have merged a stored profile into the person"
    assert ProfileMerge.objects.filter(survivor=person).exists()

    buyers = segment_create(name="Buyers", rule={"event": "Order Completed"})
    evaluate_segment(buyers.pk)
    assert Membership.objects.filter(segment=buyers, profile=person).exists()
    assert Segment.objects.get(pk=buyers.pk).member_count == 2

    from consent.services import consent_record

    consent_record(
        profile=person, purpose=marketing_purpose(), state="granted", source="api", evidence={"ip_hash": "x"}
    )

    # Before: the person is everywhere.
    assert rows_containing(EMAIL, USER_ID)
    assert rows_referencing_profiles(erased_ids)

    earlier = services.request_create(kind="access", identifier_kind="user_id", identifier_value=USER_ID, actor=steward)
    with django_capture_on_commit_callbacks(execute=True):
        request = erase("email", EMAIL.upper(), steward)  # any casing of the email finds them

    # No row anywhere references their profiles or contains their identifiers or name.
    assert rows_referencing_profiles(erased_ids) == {}
    assert rows_containing(EMAIL, USER_ID, ANON_WEB, ANON_PHONE, NAME) == {}

    # Segment counts follow; the exit was recorded as an erasure before the ledger went with the profile.
    assert Segment.objects.get(pk=buyers.pk).member_count == 1
    assert not MembershipChange.objects.filter(profile_id__in=erased_ids).exists()

    # The bystander is untouched.
    assert Profile.objects.filter(pk=bystander.pk).exists()
    assert Event.objects.filter(user_id="bystander-1").count() == 3
    assert Membership.objects.filter(segment=buyers, profile=bystander).exists()

    # Evidence: counts per table, keyed hashes, no personal data.
    request.refresh_from_db()
    assert request.status == RequestStatus.COMPLETED
    assert request.identifier_value == ""
    evidence = request.evidence
    assert evidence["rows_deleted"]["profiles.Profile"] == len(erased_ids)
    assert evidence["rows_deleted"]["ingestion.Event"] == 5
    assert evidence["rows_deleted"]["segments.Membership"] == 1
    assert evidence["rows_deleted"]["consent.ConsentRecord"] == 1
    kinds = sorted(i["kind"] for i in evidence["identifiers"])
    assert kinds == ["anonymous_id", "anonymous_id", "email", "user_id"]
    assert Suppression.objects.count() == 4
    assert EMAIL.lower() not in str(evidence) and USER_ID not in str(evidence)
    # An earlier request about the same person keeps its record, not the identifier.
    earlier.refresh_from_db()
    assert earlier.identifier_value == "" and earlier.identifier_hash
    assert evidence["other_requests_redacted"] == 1

    # Re-sent events: 200 and success, but nothing stored, and a warning without personal data.
    for payload in (
        {"userId": USER_ID, "event": "Order Completed"},
        {"anonymousId": "brand-new-device", "event": "Signed Up", "context": {"traits": {"email": EMAIL}}},
        {"anonymousId": ANON_PHONE, "event": "Product Viewed"},
    ):
        response = send("track", payload)
        assert response.status_code == 200
        assert response.json()["success"] is True
        assert response.json()["accepted"] == 0
        assert response.json()["rejected"] == 1
    batch = send(
        "batch",
        {
            "batch": [
                {"type": "identify", "userId": USER_ID, "traits": {"email": EMAIL}},
                {"type": "track", "userId": "someone-else", "event": "Page Viewed"},
            ]
        },
    )
    assert batch.json()["accepted"] == 1 and batch.json()["rejected"] == 1
    drain()
    assert rows_containing(EMAIL, USER_ID, ANON_PHONE) == {}
    warnings = IngestionWarning.objects.filter(code=SUPPRESSED_WARNING_CODE)
    assert warnings.count() == 4
    assert all(w.rejected and not w.excerpt for w in warnings)

    # Lifting the suppression of the user id (steward, audited) lets their events in again.
    entry = Suppression.objects.get(kind="user_id")
    with django_capture_on_commit_callbacks(execute=True):
        services.suppression_remove(suppression=entry, reason="Person asked to be a customer again", actor=steward)
    response = send("track", {"userId": USER_ID, "event": "Order Completed"})
    assert response.json()["accepted"] == 1
    drain()
    assert Identity.objects.filter(kind="user_id", value=USER_ID).exists()


def test_events_stored_before_the_erasure_committed_never_reach_a_profile(
    send, drain, steward, django_capture_on_commit_callbacks
):
    ingest_person(send, drain)
    with django_capture_on_commit_callbacks(execute=True):
        erase("user_id", USER_ID, steward)
    # An event that was stored before the erasure (simulated: stored directly, unprocessed) with an
    # identifier the API would now refuse.
    from ingestion.models import Source

    source = Source.objects.get()
    from django.utils import timezone

    Event.objects.create(
        source=source,
        message_id="late-1",
        type="identify",
        user_id=None,
        anonymous_id="fresh-device",
        traits={"email": EMAIL},
        timestamp=timezone.now(),
        received_at=timezone.now(),
    )
    drain()
    assert not Event.objects.filter(message_id="late-1").exists()
    assert not Identity.objects.filter(value="fresh-device").exists()
    assert IngestionWarning.objects.filter(code=SUPPRESSED_WARNING_CODE, message_id="late-1").exists()


def test_erasing_an_unknown_identifier_still_suppresses_it(send, drain, steward, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = erase("email", "never-seen@example.net", steward)
    assert request.evidence["profile_ids"] == []
    assert Suppression.objects.filter(kind="email").count() == 1
    response = send("identify", {"anonymousId": "a-1", "traits": {"email": "Never-Seen@example.net"}})
    assert response.status_code == 200 and response.json()["accepted"] == 0


def test_unfinished_csv_imports_quoting_the_person_are_reported_and_their_rows_suppressed(
    send, drain, steward, client, django_capture_on_commit_callbacks
):
    from ingestion.imports.services import import_job_create

    ingest_person(send, drain)
    import_job_create(
        created_by=None, file_name="crm.csv", data=f"email,name\n{EMAIL},{NAME}\nother@example.com,O\n".encode()
    )
    import_job_create(created_by=None, file_name="unrelated.csv", data=b"email,name\nsomeone@example.com,S\n")
    with django_capture_on_commit_callbacks(execute=True):
        request = erase("user_id", USER_ID, steward)
    assert request.evidence["kept"] == {"ingestion.ImportFile": 1}
    assert "ingestion.ImportFile" not in request.evidence["rows_deleted"]
    client.force_login(steward)
    page = client.get(f"/privacy/requests/{request.pk}/").content.decode()
    assert "1 unfinished CSV import quotes this person" in page
