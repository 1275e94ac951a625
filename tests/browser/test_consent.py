"""Consent in Chromium: a steward records consent and an objection on a profile's page; a person
withdraws everything in one click in the preference centre reached from an email link."""

import pytest
from playwright.sync_api import expect

from consent.links import preference_centre_path
from consent.models import ProfileConsent, ProfileObjection
from consent.services import consent_record, purposes_seed
from profiles.models import Profile

pytestmark = [pytest.mark.browser]


def test_a_steward_records_consent_and_an_objection_on_a_profile(signed_in_page, make_user, asgi_server):
    purposes_seed()  # transactional tests start from flushed tables
    profile = Profile.objects.create(traits={"name": "Ana Lima"})
    page = signed_in_page(make_user("steward"))
    page.goto(f"{asgi_server}/profiles/{profile.pk}/")
    section = page.locator("#consent")
    expect(section.get_by_role("heading", name="Consent")).to_be_visible()
    section.get_by_label("Purpose").select_option("email_marketing")
    section.get_by_label("State").select_option("granted")
    section.get_by_label("Collected where").fill("Phone call")
    section.get_by_role("button", name="Record consent").click()
    expect(page.get_by_text("Email marketing: granted recorded.")).to_be_visible()
    row = page.locator("#consent tbody tr", has_text="Email marketing").first
    expect(row.get_by_text("Granted")).to_be_visible()
    page.locator("#consent").get_by_role("button", name="Record objection to direct marketing").click()
    expect(page.locator("#consent").get_by_text("Objects to direct marketing since")).to_be_visible()
    expect(page.locator("#consent").get_by_text("blocked by objection").first).to_be_visible()
    assert ProfileConsent.objects.get(profile=profile, purpose__slug="email_marketing").state == "granted"
    assert ProfileObjection.objects.get(profile=profile).objected


def test_a_person_unsubscribes_from_all_marketing_in_one_click(page, asgi_server):
    purposes_seed()  # transactional tests start from flushed tables
    profile = Profile.objects.create()
    for purpose in ("email_marketing", "sms_marketing"):
        consent_record(profile=profile, purpose=purpose, state="granted", source="api")
    page.goto(asgi_server + preference_centre_path(profile))
    expect(page.get_by_role("heading", name="Your communication preferences")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Email marketing")).to_be_checked()
    page.get_by_role("button", name="Unsubscribe from all marketing").click()
    expect(page.get_by_text("you will no longer receive marketing")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Email marketing")).not_to_be_checked()
    states = set(ProfileConsent.objects.filter(profile=profile).values_list("purpose__slug", "state"))
    assert {("email_marketing", "withdrawn"), ("sms_marketing", "withdrawn")} <= states
    page.get_by_role("checkbox", name="SMS marketing").check()
    page.get_by_role("button", name="Save my preferences").click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()
    assert ProfileConsent.objects.get(profile=profile, purpose__slug="sms_marketing").state == "granted"
