import pytest

from profiles.models import Identity, ProfileSettings, TraitChange
from profiles.services import trait_history_prune
from profiles.settings import profile_config

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_steward_console_lists_profiles_events_and_warnings(client, make_user, send, drain):
    send("identify", {"userId": "u1", "traits": {"plan": "pro"}})
    send("track", {"userId": "u1"})  # rejected: no event name → a warning
    drain()
    client.force_login(make_user("admin"))
    for url in ["/admin/profiles/profile/", "/admin/ingestion/event/", "/admin/ingestion/ingestionwarning/"]:
        assert client.get(url).status_code == 200, url
    assert b"invalid_event" in client.get("/admin/ingestion/ingestionwarning/").content
    profile = Identity.objects.get(value="u1").profile
    assert client.post(f"/admin/profiles/profile/{profile.pk}/change/", {}).status_code == 403  # read-only


def test_profile_settings_saved_in_the_console_reach_the_pipeline(client, make_user):
    client.force_login(make_user("admin"))
    response = client.post(
        "/admin/profiles/profilesettings/add/",
        {"identifier_traits": '["phone"]', "purchase_events": '["Order Completed", "Purchase"]'},
    )
    assert response.status_code == 302
    assert ProfileSettings.objects.get().identifier_traits == ["phone"]
    config = profile_config()
    assert config.identifier_traits == ("phone",)
    assert config.purchase_events == frozenset({"Order Completed", "Purchase"})


def test_trait_history_keeps_the_newest_changes(send, drain):
    for n in range(8):
        send("identify", {"userId": "u1", "traits": {"n": n}, "timestamp": f"2026-01-01T00:00:0{n}Z"})
    drain()
    assert TraitChange.objects.count() == 8
    assert trait_history_prune(keep=3) == 5
    assert sorted(TraitChange.objects.values_list("new_value", flat=True)) == [5, 6, 7]


def test_a_steward_configures_identifier_traits_in_the_console(client, make_user):
    client.force_login(make_user("steward"))
    assert client.get("/admin/profiles/profilesettings/add/").status_code == 200
    response = client.post(
        "/admin/profiles/profilesettings/add/", {"identifier_traits": '["crm_id"]', "purchase_events": "[]"}
    )
    assert response.status_code == 302
    assert profile_config().identifier_traits == ("crm_id",)
    assert client.get("/admin/ingestion/source/").status_code == 200
    assert client.get("/admin/ingestion/event/").status_code == 200
    assert client.get("/admin/accounts/apikey/").status_code == 403  # not part of the console


def test_a_marketer_has_no_console(client, make_user):
    client.force_login(make_user("marketer"))
    assert client.get("/admin/profiles/profilesettings/").status_code == 302  # to the admin login
