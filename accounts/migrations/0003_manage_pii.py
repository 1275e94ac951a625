"""The manage_pii capability (classify trait keys as PII / sensitive / normal), granted to the
Admin and Data Steward roles."""

from django.db import migrations


def grant(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="capability")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="manage_pii",
        defaults={"name": "Classify trait keys as PII, sensitive or normal"},
    )
    for group in Group.objects.filter(name__in=["Admin", "Data Steward"]):
        group.permissions.add(permission)


def ungrant(apps, schema_editor):
    apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="accounts", codename="manage_pii"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles")]

    operations = [migrations.RunPython(grant, ungrant)]
