"""A new workspace starts with the usual personal traits classified as PII (docs/privacy.md)."""

from django.db import migrations

DEFAULT_PII_KEYS = (
    "email",
    "phone",
    "name",
    "first_name",
    "last_name",
    "firstName",
    "lastName",
    "address.*",
    "ip",
    "birthday",
)


def add_defaults(apps, schema_editor):
    TraitClassification = apps.get_model("pii", "TraitClassification")
    for key in DEFAULT_PII_KEYS:
        TraitClassification.objects.get_or_create(key=key, defaults={"sensitivity": "pii"})


def remove_defaults(apps, schema_editor):
    apps.get_model("pii", "TraitClassification").objects.filter(key__in=DEFAULT_PII_KEYS).delete()


class Migration(migrations.Migration):
    dependencies = [("pii", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
