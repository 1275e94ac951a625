"""Consent pages: the steward's purposes and mapping, the consent section of a profile's page,
and the public preference centre reached by a signed link."""

from datetime import timedelta

import pytest
from django.core import signing

from consent import services
from consent.links import SALT, preference_centre_path, preference_centre_url, preference_token, unsubscribe_url
from consent.models import ConsentCategoryMapping, ConsentRecord, ProfileConsent, ProfileObjection, Purpose
from profiles.models import Profile
from segments.engine import evaluate_segment
from segments.services import segment_create
from tests.consent.helpers import members

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def states(profile) -> dict[str, str]:
    return dict(ProfileConsent.objects.filter(profile=profile).values_list("purpose__slug", "state"))


# --- steward pages -------------------------------------------------------------------------------


def test_the_landing_page_lists_purposes_with_counts(client, make_user):
    profile = Profile.objects.create()
    services.consent_record(profile=profile, purpose="email_marketing", state="granted", source="api")
    client.force_login(make_user("steward"))
    page = client.get("/privacy/").content.decode()
    assert "Email marketing" in page and "email_marketing" in page and "Add a purpose" in page


def test_marketers_and_analysts_cannot_open_the_consent_pages(client, make_user):
    client.force_login(make_user("marketer"))
    assert client.get("/privacy/").status_code == 403
    assert client.get("/privacy/purposes/new/").status_code == 403
    assert client.post("/privacy/mappings/", {"category": "X", "purpose": "analytics"}).status_code == 403


def test_a_steward_adds_and_edits_a_purpose(client, make_user):
    client.force_login(make_user("steward"))
    response = client.post(
        "/privacy/purposes/new/",
        {
            "slug": "postal",
            "name": "Postal mail",
            "description": "Catalogues",
            "legal_text_version": "v2",
            "is_marketing": "on",
        },
    )
    assert response.status_code == 302
    assert Purpose.objects.get(slug="postal").is_marketing
    client.post(
        "/privacy/purposes/postal/",
        {"slug": "changed", "name": "Postal mail", "description": "", "legal_text_version": "v3"},
    )
    purpose = Purpose.objects.get(slug="postal")  # the slug cannot change
    assert (purpose.legal_text_version, purpose.is_marketing) == ("v3", False)


def test_a_steward_maps_and_unmaps_a_category(client, make_user):
    client.force_login(make_user("steward"))
    client.post("/privacy/mappings/", {"category": "C0005", "purpose": "advertising"})
    mapping = ConsentCategoryMapping.objects.get(category="C0005")
    assert "C0005" in client.get("/privacy/mappings/").content.decode()
    client.post("/privacy/mappings/", {"remove": mapping.pk})
    assert not ConsentCategoryMapping.objects.filter(category="C0005").exists()


def test_the_profile_page_shows_consent_and_a_steward_records_a_change(client, make_user):
    profile = Profile.objects.create()
    services.consent_record(profile=profile, purpose="sms_marketing", state="granted", source="api")
    steward = make_user("steward")
    client.force_login(steward)
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    assert 'id="consent"' in page and "SMS marketing" in page and "Record consent" in page
    response = client.post(
        f"/privacy/profiles/{profile.pk}/consent/",
        {"purpose": "sms_marketing", "state": "withdrawn", "collection_point": "phone call"},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/profiles/{profile.pk}/#consent")
    assert states(profile)["sms_marketing"] == "withdrawn"
    record = ConsentRecord.objects.filter(profile=profile).first()
    assert (record.source, record.actor, record.evidence["collection_point"]) == ("ui", steward, "phone call")
    client.post(f"/privacy/profiles/{profile.pk}/consent/", {"objected": "1"})
    assert ProfileObjection.objects.get(profile=profile).objected
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    assert "Objects to direct marketing" in page and "phone call" in page


def test_people_without_manage_consent_see_consent_but_cannot_change_it(client, make_user):
    profile = Profile.objects.create()
    client.force_login(make_user("marketer"))
    page = client.get(f"/profiles/{profile.pk}/").content.decode()
    assert 'id="consent"' in page and "Record consent" not in page
    response = client.post(f"/privacy/profiles/{profile.pk}/consent/", {"purpose": "analytics", "state": "granted"})
    assert response.status_code == 403
    assert not ConsentRecord.objects.exists()


# --- preference centre ---------------------------------------------------------------------------


def test_the_link_carries_only_the_signed_profile_id(settings):
    profile = Profile.objects.create(traits={"email": "ana@example.com"})
    settings.SHOAL_BASE_URL = "https://cdp.example.com"
    link = preference_centre_url(profile)
    assert link.startswith("https://cdp.example.com/preferences/")
    assert "ana" not in link
    assert signing.loads(preference_token(profile), salt=SALT) == {"p": profile.pk}
    assert unsubscribe_url(profile).endswith("/unsubscribe/")


def test_the_preference_centre_grants_and_withdraws_with_evidence(client):
    profile = Profile.objects.create()
    path = preference_centre_path(profile)
    page = client.get(path)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"] and page["X-Robots-Tag"].startswith("noindex")
    html = page.content.decode()
    assert "Email marketing" in html and "Analytics" not in html  # marketing purposes only
    client.post(
        path,
        {"action": "save", "purpose": ["email_marketing", "sms_marketing"]},
        HTTP_USER_AGENT="Mail/1",
        REMOTE_ADDR="192.0.2.44",
    )
    assert states(profile) == {
        "email_marketing": "granted",
        "sms_marketing": "granted",
        "advertising": "denied",
        "personalization": "denied",
    }
    record = ConsentRecord.objects.filter(purpose__slug="email_marketing").first()
    assert record.source == "preference_centre"
    assert record.evidence["ip_hash"] == services.ip_hash("192.0.2.44")
    assert record.evidence["user_agent"] == "Mail/1"
    assert record.evidence["policy_version"] == "v1"
    response = client.post(path, {"action": "save", "purpose": ["sms_marketing"]})
    assert response.status_code == 302
    assert states(profile)["email_marketing"] == "withdrawn"
    assert "saved" in client.get(response["Location"]).content.decode()


def test_withdrawal_takes_one_click_and_leaves_segments(client):
    profile = Profile.objects.create()
    for purpose in ("email_marketing", "advertising"):
        services.consent_record(profile=profile, purpose=purpose, state="granted", source="api")
    segment = segment_create(name="Emailable", rule={"consent": "email_marketing"})
    evaluate_segment(segment.pk)
    assert members(segment) == {profile.pk}
    response = client.post(preference_centre_path(profile), {"action": "withdraw_all"})
    assert response.status_code == 302
    assert states(profile)["email_marketing"] == "withdrawn" and states(profile)["advertising"] == "withdrawn"
    assert members(segment) == set()
    assert "no longer receive marketing" in client.get(response["Location"]).content.decode()


def test_the_objection_box_records_an_objection(client):
    profile = Profile.objects.create()
    client.post(preference_centre_path(profile), {"action": "save", "objected": "1"})
    assert ProfileObjection.objects.get(profile=profile).objected
    assert services.activation_decide(profile=profile, purpose="email_marketing", channel="email").reason == "objected"


def test_the_form_is_csrf_protected():
    from django.test import Client

    profile = Profile.objects.create()
    strict = Client(enforce_csrf_checks=True)
    path = preference_centre_path(profile)
    assert strict.get(path).status_code == 200
    assert strict.post(path, {"action": "withdraw_all"}).status_code == 403
    assert not ConsentRecord.objects.exists()


def test_tampered_and_expired_links_are_refused(client, settings):
    profile = Profile.objects.create()
    token = preference_token(profile)
    forged = signing.dumps({"p": profile.pk + 1}, salt="another.salt", compress=True)
    assert client.get(f"/preferences/{token[:-2]}xx/").status_code == 404
    assert client.get(f"/preferences/{forged}/").status_code == 404
    assert client.post(f"/preferences/{forged}/", {"action": "withdraw_all"}).status_code == 404
    settings.PREFERENCE_LINK_MAX_AGE_DAYS = 1
    old = signing.TimestampSigner(salt=SALT).sign_object({"p": profile.pk}, compress=True)
    from unittest import mock

    with mock.patch("time.time", return_value=__import__("time").time() + timedelta(days=2).total_seconds()):
        response = client.get(f"/preferences/{old}/")
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not ConsentRecord.objects.exists()


def test_one_click_unsubscribe_withdraws_email_marketing_without_a_csrf_token():
    from django.test import Client

    profile = Profile.objects.create()
    services.consent_record(profile=profile, purpose="email_marketing", state="granted", source="api")
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(f"/preferences/{preference_token(profile)}/unsubscribe/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert states(profile)["email_marketing"] == "withdrawn"
