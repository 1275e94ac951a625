import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from accounts.constants import ROLES, STEWARD_CONSOLE_PERMISSIONS, perm
from accounts.selectors import user_capabilities, user_role_name
from accounts.services import user_create, user_set_role

pytestmark = [pytest.mark.embedded, pytest.mark.django_db]


def test_the_migration_creates_each_role_with_exactly_its_capabilities():
    for role in ROLES.values():
        group = Group.objects.get(name=role.name)
        capabilities = set(
            group.permissions.filter(content_type__app_label="accounts").values_list("codename", flat=True)
        )
        assert capabilities == set(role.capabilities), role.name
        console = set(
            group.permissions.exclude(content_type__app_label="accounts").values_list(
                "content_type__app_label", "codename"
            )
        )
        assert console == (set(STEWARD_CONSOLE_PERMISSIONS) if role.slug == "steward" else set()), role.name


@pytest.mark.parametrize("role", list(ROLES))
def test_a_user_holds_the_capabilities_of_their_role(make_user, role):
    user = make_user(role)
    assert user_role_name(user) == ROLES[role].name
    assert user_capabilities(user) == sorted(ROLES[role].capabilities)
    assert user.is_staff == ROLES[role].is_staff


def test_analyst_is_read_only_and_marketer_sees_no_raw_pii(make_user):
    analyst, marketer, steward = make_user("analyst"), make_user("marketer"), make_user("steward")
    assert not analyst.has_perm(perm("manage_segments"))
    assert not analyst.has_perm(perm("export_data"))
    assert analyst.has_perm(perm("view_segments"))
    assert not marketer.has_perm(perm("view_pii"))
    assert marketer.has_perm(perm("manage_segments"))
    assert steward.has_perm(perm("view_pii"))
    assert not steward.has_perm(perm("manage_users"))


def test_changing_role_replaces_the_previous_one(make_user):
    user = make_user("admin")
    user_set_role(user=user, role="analyst")
    user.refresh_from_db()
    assert [g.name for g in user.groups.all()] == ["Analyst"]
    assert not user.is_staff and not user.is_superuser


def test_user_create_rejects_weak_passwords_and_leaves_nothing():
    with pytest.raises(ValidationError):
        user_create(username="weak", role="analyst", password="password")
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="weak").exists()


def test_create_user_command_prints_a_generated_password_once(capsys):
    call_command("create_user", "--username", "ana", "--email", "ana@example.com", "--role", "data-steward")
    out = capsys.readouterr().out
    assert "Created ana with role Data Steward" in out
    password = out.split("Password (shown once): ")[1].strip()
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.get(username="ana").check_password(password)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "x", "--role", "wizard"], "unknown role"),
        (["--username", "x", "--role", "analyst", "--password", "123"], "password rejected"),
    ],
)
def test_create_user_command_errors_are_clear(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_user", *args)


def test_create_user_refuses_a_taken_username(make_user):
    make_user("analyst", username="taken")
    with pytest.raises(CommandError, match="already exists"):
        call_command("create_user", "--username", "TAKEN", "--role", "analyst")
