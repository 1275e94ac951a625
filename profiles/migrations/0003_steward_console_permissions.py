"""Give the Data Steward role the steward console's model permissions (profile settings,
sources, events, warnings, profiles, merges, conflicts). Frozen copy of
accounts.constants.STEWARD_CONSOLE_PERMISSIONS as of this migration."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = (
    ("profiles", "view_profile"),
    ("profiles", "view_profilemerge"),
    ("profiles", "view_identityconflict"),
    ("profiles", "change_identityconflict"),
    ("profiles", "view_profilesettings"),
    ("profiles", "add_profilesettings"),
    ("profiles", "change_profilesettings"),
    ("ingestion", "view_source"),
    ("ingestion", "change_source"),
    ("ingestion", "view_event"),
    ("ingestion", "view_ingestionwarning"),
)


def grant(apps, schema_editor):
    for app_label in ("profiles", "ingestion"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True  # create_permissions skips apps without models modules
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    steward = Group.objects.filter(name="Data Steward").first()
    if steward is None:
        return
    for app_label, codename in PERMISSIONS:
        permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
        if permission is not None:
            steward.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_roles"),
        ("profiles", "0002_identity_identity_value_prefix"),
        ("ingestion", "0004_event_event_source_received"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
