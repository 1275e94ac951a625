"""Give the Data Steward role read access to consent in the steward console (purposes, category
mappings, records, objections, activation checks). Frozen copy of the consent entries of
accounts.constants.STEWARD_CONSOLE_PERMISSIONS as of this migration."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = (
    "view_purpose",
    "view_consentcategorymapping",
    "view_consentrecord",
    "view_objectionrecord",
    "view_activationcheck",
)


def grant(apps, schema_editor):
    app_config = apps.get_app_config("consent")
    app_config.models_module = True  # create_permissions skips apps without models modules
    create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    steward = Group.objects.filter(name="Data Steward").first()
    if steward is None:
        return
    steward.permissions.add(*Permission.objects.filter(content_type__app_label="consent", codename__in=PERMISSIONS))


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0002_seed_purposes"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
