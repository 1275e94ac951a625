"""Create the four roles as groups holding explicit capability permissions.

Permissions are created here (not left to post_migrate) so that the groups can hold them in the
same migration run. Re-running is safe: existing rows are reused and each role's permissions are
set to exactly the table in accounts/constants.py as it stood when this migration was written.
"""

from django.db import migrations

CAPABILITIES = {
    "view_profiles": "View profiles and their events",
    "view_pii": "See personal data (PII) unmasked",
    "export_data": "Export data (CSV and bulk API)",
    "view_segments": "View segments and their members",
    "manage_segments": "Create, edit and archive segments",
    "view_campaigns": "View campaigns and their results",
    "manage_campaigns": "Create, edit and launch campaigns",
    "view_dashboards": "View dashboards",
    "manage_dashboards": "Create and edit dashboards",
    "manage_sources": "Manage sources and write keys",
    "manage_consent": "Manage consent purposes and records",
    "handle_privacy_requests": "Handle data subject requests (GDPR)",
    "view_audit_log": "Read the audit log",
    "manage_users": "Manage users and their roles",
    "manage_api_keys": "Create and revoke API keys",
}
READ_ONLY = ["view_profiles", "view_segments", "view_campaigns", "view_dashboards"]
ROLES = {
    "Admin": list(CAPABILITIES),
    "Data Steward": READ_ONLY
    + [
        "view_pii",
        "export_data",
        "manage_sources",
        "manage_consent",
        "handle_privacy_requests",
        "view_audit_log",
        "manage_api_keys",
    ],
    "Marketer": READ_ONLY + ["manage_segments", "manage_campaigns", "manage_dashboards", "export_data"],
    "Analyst": READ_ONLY,
}


def create_roles(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="capability")
    permissions = {}
    for codename, name in CAPABILITIES.items():
        permissions[codename], _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
    for role_name, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role_name)
        group.permissions.set([permissions[c] for c in codenames])


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
