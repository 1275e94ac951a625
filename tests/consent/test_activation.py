"""The shared activation check: allowed only with granted consent and no objection for marketing;
fails closed; every decision is recorded with the consent state it used."""

import pytest

from consent import services
from consent.models import ActivationCheck, AppendOnlyError
from profiles.models import Profile

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def decide(profile, purpose="email_marketing", channel="email", **context):
    return services.activation_decide(profile=profile, purpose=purpose, channel=channel, context=context)


def test_granted_consent_allows_and_the_check_records_the_state_used():
    profile = Profile.objects.create()
    record = services.consent_record(profile=profile, purpose="email_marketing", state="granted", source="api")
    decision = decide(profile, campaign_id=7)
    assert decision.allowed and decision.reason == "granted"
    check = ActivationCheck.objects.get(pk=decision.check_id)
    assert (check.profile_id, check.purpose, check.channel, check.allowed) == (
        profile.pk,
        "email_marketing",
        "email",
        True,
    )
    assert check.state_used["state"] == "granted"
    assert check.state_used["record_id"] == record.pk
    assert check.state_used["legal_text_version"] == "v1"
    assert check.context == {"campaign_id": 7}


@pytest.mark.parametrize(("state", "reason"), [(None, "no_consent"), ("denied", "denied"), ("withdrawn", "withdrawn")])
def test_anything_but_granted_blocks(state, reason):
    profile = Profile.objects.create()
    if state:
        services.consent_record(profile=profile, purpose="sms_marketing", state=state, source="api")
    decision = decide(profile, purpose="sms_marketing", channel="sms")
    assert (decision.allowed, decision.reason) == (False, reason)
    assert ActivationCheck.objects.get(pk=decision.check_id).allowed is False


def test_an_objection_blocks_every_marketing_purpose_whatever_the_consent():
    profile = Profile.objects.create()
    for purpose in ("email_marketing", "advertising", "personalization", "analytics"):
        services.consent_record(profile=profile, purpose=purpose, state="granted", source="api")
    services.objection_record(profile=profile, objected=True, source="preference_centre")
    for purpose, channel in [
        ("email_marketing", "email"),
        ("advertising", "export"),
        ("personalization", "personalization"),
    ]:
        decision = decide(profile, purpose=purpose, channel=channel)
        assert (decision.allowed, decision.reason) == (False, "objected"), purpose
        assert decision.state_used["objected"] is True
    assert decide(profile, purpose="analytics", channel="webhook").allowed  # not direct marketing


def test_unknown_purpose_and_unknown_profile_fail_closed():
    profile = Profile.objects.create()
    assert decide(profile, purpose="telepathy").reason == "unknown_purpose"
    missing = decide(10**9)
    assert (missing.allowed, missing.reason) == (False, "no_profile")
    assert ActivationCheck.objects.filter(allowed=False).count() == 2


def test_many_at_once_follow_merges_and_use_a_fixed_number_of_queries(django_assert_max_num_queries):
    people = [Profile.objects.create() for _ in range(30)]
    for person in people[::2]:
        services.consent_record(profile=person, purpose="email_marketing", state="granted", source="api")
    merged = Profile.objects.create(merged_into=people[0])
    with django_assert_max_num_queries(8):
        decisions = services.activation_decide_many(
            profile_ids=[p.pk for p in people] + [merged.pk], purpose="email_marketing", channel="email"
        )
    assert [decisions[p.pk].allowed for p in people] == [i % 2 == 0 for i in range(30)]
    assert decisions[merged.pk].allowed and decisions[merged.pk].state_used["profile_id"] == people[0].pk
    assert ActivationCheck.objects.count() == 31


def test_checks_are_append_only():
    decision = decide(Profile.objects.create())
    check = ActivationCheck.objects.get(pk=decision.check_id)
    check.allowed = True
    with pytest.raises(AppendOnlyError):
        check.save()
