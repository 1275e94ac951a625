"""Consent records: append-only evidence, the derived current state (latest statement wins),
objections, merges, and segment membership reacting to consent set outside the pipeline."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent import services
from consent.models import AppendOnlyError, ConsentRecord, ProfileConsent, ProfileObjection, Purpose
from consent.selectors import consent_overview, granted_profiles_q, granted_purposes
from profiles.models import Profile
from segments.engine import evaluate_segment
from segments.models import MembershipChange
from segments.services import segment_create
from tests.consent.helpers import members

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]

EMAIL = {"consent": "email_marketing"}


def state(profile, slug):
    return ProfileConsent.objects.get(profile=profile, purpose__slug=slug).state


def test_purposes_and_category_mapping_are_seeded():
    slugs = set(Purpose.objects.values_list("slug", flat=True))
    assert {"analytics", "personalization", "email_marketing", "sms_marketing", "advertising"} <= slugs
    assert Purpose.objects.get(slug="analytics").is_marketing is False
    assert Purpose.objects.get(slug="email_marketing").is_marketing is True
    mapped = {(m.category, m.purpose.slug) for m in services.ConsentCategoryMapping.objects.select_related("purpose")}
    assert ("Analytics", "analytics") in mapped and ("Marketing", "email_marketing") in mapped


def test_a_record_sets_the_current_state_and_keeps_hashed_evidence():
    profile = Profile.objects.create()
    evidence = services.evidence_build(
        policy_version="2026-01", collection_point="signup form", ip="203.0.113.9", user_agent="Mozilla/5.0"
    )
    record = services.consent_record(
        profile=profile, purpose="email_marketing", state="granted", source="api", evidence=evidence
    )
    assert state(profile, "email_marketing") == "granted"
    assert record.evidence["policy_version"] == "2026-01"
    assert record.evidence["ip_hash"].startswith("hmac-sha256:")
    assert "203.0.113.9" not in str(record.evidence)
    assert record.evidence["ip_hash"] == services.ip_hash("203.0.113.9")  # stable: the same address matches
    assert services.ip_hash("203.0.113.10") != record.evidence["ip_hash"]


def test_records_are_append_only():
    profile = Profile.objects.create()
    record = services.consent_record(profile=profile, purpose="email_marketing", state="granted", source="api")
    record.state = "denied"
    with pytest.raises(AppendOnlyError):
        record.save()
    assert ConsentRecord.objects.get(pk=record.pk).state == "granted"


def test_the_latest_statement_wins_whatever_the_order_of_arrival():
    profile = Profile.objects.create()
    now = timezone.now()
    services.consent_record(profile=profile, purpose="sms_marketing", state="granted", source="api", occurred_at=now)
    services.consent_record(
        profile=profile, purpose="sms_marketing", state="denied", source="import", occurred_at=now - timedelta(days=3)
    )
    assert state(profile, "sms_marketing") == "granted"  # the older statement arrived late: history only
    assert ConsentRecord.objects.filter(profile=profile).count() == 2
    services.consent_record(
        profile=profile, purpose="sms_marketing", state="withdrawn", source="ui", occurred_at=now + timedelta(seconds=1)
    )
    assert state(profile, "sms_marketing") == "withdrawn"


def test_unknown_purpose_or_state_is_refused():
    profile = Profile.objects.create()
    with pytest.raises(services.ConsentError, match="unknown purpose"):
        services.consent_record(profile=profile, purpose="telepathy", state="granted", source="api")
    with pytest.raises(services.ConsentError, match="state"):
        services.consent_record(profile=profile, purpose="analytics", state="maybe", source="api")
    assert not ConsentRecord.objects.exists()


def test_granted_means_granted_and_not_objected_for_marketing_in_both_targets():
    people = {label: Profile.objects.create() for label in ("granted", "objector", "denied", "none", "analytics")}
    for label in ("granted", "objector"):
        services.consent_record(profile=people[label], purpose="email_marketing", state="granted", source="api")
    services.consent_record(profile=people["denied"], purpose="email_marketing", state="denied", source="api")
    services.consent_record(profile=people["objector"], purpose="analytics", state="granted", source="api")
    services.objection_record(profile=people["objector"], objected=True, source="api")
    ids = [p.pk for p in people.values()]
    label_of = {p.pk: label for label, p in people.items()}
    for purpose, expected in [("email_marketing", {"granted"}), ("analytics", {"objector"}), ("sms_marketing", set())]:
        sql = {label_of[pk] for pk in Profile.objects.filter(granted_profiles_q(purpose)).values_list("pk", flat=True)}
        python = {label_of[pk] for pk, purposes in granted_purposes(ids).items() if purposes.get(purpose)}
        assert sql == python == expected, purpose


def test_objection_blocks_marketing_and_lifting_it_restores_consent():
    profile = Profile.objects.create()
    services.consent_record(profile=profile, purpose="email_marketing", state="granted", source="api")
    services.objection_record(profile=profile, objected=True, source="ui")
    overview = consent_overview(profile)
    assert overview.objected
    email = next(p for p in overview.purposes if p.purpose.slug == "email_marketing")
    assert (email.state, email.effective) == ("granted", False)
    services.objection_record(profile=profile, objected=False, source="ui")
    assert ProfileObjection.objects.get(profile=profile).objected is False
    assert profile.pk in granted_purposes([profile.pk])


def test_a_consent_change_moves_segment_membership_with_the_consent_cause():
    profile = Profile.objects.create()
    segment = segment_create(name="Email OK", rule=EMAIL)
    evaluate_segment(segment.pk)
    assert members(segment) == set()
    services.consent_record(profile=profile, purpose="email_marketing", state="granted", source="api")
    assert members(segment) == {profile.pk}
    services.consent_record(profile=profile, purpose="email_marketing", state="withdrawn", source="api")
    assert members(segment) == set()
    ledger = list(MembershipChange.objects.filter(segment=segment).order_by("id").values_list("entered", "cause"))
    assert ledger == [(True, "consent"), (False, "consent")]


def test_an_objection_removes_the_person_from_marketing_consent_segments():
    profile = Profile.objects.create()
    services.consent_record(profile=profile, purpose="email_marketing", state="granted", source="api")
    services.consent_record(profile=profile, purpose="analytics", state="granted", source="api")
    email = segment_create(name="Email OK", rule=EMAIL)
    analytics = segment_create(name="Analytics OK", rule={"consent": "analytics"})
    evaluate_segment(email.pk)
    evaluate_segment(analytics.pk)
    services.objection_record(profile=profile, objected=True, source="api")
    assert members(email) == set()
    assert members(analytics) == {profile.pk}  # not a marketing purpose
    assert MembershipChange.objects.filter(segment=email, entered=False, cause="consent").exists()


def test_turning_a_purpose_into_marketing_applies_standing_objections():
    profile = Profile.objects.create()
    services.consent_record(profile=profile, purpose="analytics", state="granted", source="api")
    services.objection_record(profile=profile, objected=True, source="api")
    segment = segment_create(name="Analytics OK", rule={"consent": "analytics"})
    evaluate_segment(segment.pk)
    assert members(segment) == {profile.pk}
    services.purpose_update(purpose=Purpose.objects.get(slug="analytics"), is_marketing=True)
    assert members(segment) == set()


def test_merging_profiles_moves_consent_to_the_survivor_and_the_latest_statement_wins():
    survivor, loser = Profile.objects.create(), Profile.objects.create()
    now = timezone.now()
    services.consent_record(
        profile=survivor, purpose="email_marketing", state="denied", source="api", occurred_at=now - timedelta(days=1)
    )
    services.consent_record(profile=loser, purpose="email_marketing", state="granted", source="api", occurred_at=now)
    services.objection_record(profile=loser, objected=True, source="api")
    Profile.objects.filter(pk=loser.pk).update(merged_into=survivor)
    services.consent_merge_profiles({loser.pk: survivor.pk})
    assert state(survivor, "email_marketing") == "granted"
    assert ProfileObjection.objects.get(profile=survivor).objected
    assert ConsentRecord.objects.filter(profile=survivor).count() == 2
    assert not ProfileConsent.objects.filter(profile=loser).exists()


def test_a_merged_profile_id_records_on_the_live_profile():
    survivor, loser = Profile.objects.create(), Profile.objects.create()
    Profile.objects.filter(pk=loser.pk).update(merged_into=survivor)
    services.consent_record(profile=loser.pk, purpose="analytics", state="granted", source="api")
    assert state(survivor, "analytics") == "granted"


def test_purposes_with_records_cannot_be_deleted():
    purpose = services.purpose_create(slug="push", name="Push notifications")
    services.consent_record(profile=Profile.objects.create(), purpose=purpose, state="granted", source="api")
    with pytest.raises(services.ConsentError, match="records"):
        services.purpose_delete(purpose=purpose)
    empty = services.purpose_create(slug="postal", name="Postal mail")
    services.purpose_delete(purpose=empty)
    assert not Purpose.objects.filter(slug="postal").exists()
