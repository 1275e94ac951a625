"""Seed the standard purposes and the Segment consent category mapping."""

from django.db import migrations

from consent.constants import SEEDED_CATEGORY_MAPPING, SEEDED_LEGAL_TEXT_VERSION, SEEDED_PURPOSES


def seed(apps, schema_editor):
    Purpose = apps.get_model("consent", "Purpose")
    Mapping = apps.get_model("consent", "ConsentCategoryMapping")
    for slug, name, description, is_marketing in SEEDED_PURPOSES:
        Purpose.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "is_marketing": is_marketing,
                "legal_text_version": SEEDED_LEGAL_TEXT_VERSION,
            },
        )
    for category, slug in SEEDED_CATEGORY_MAPPING:
        purpose = Purpose.objects.get(slug=slug)
        Mapping.objects.get_or_create(category=category, purpose=purpose)


class Migration(migrations.Migration):
    dependencies = [("consent", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
