import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import pii.models


class Migration(migrations.Migration):
    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="TraitClassification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "key",
                    models.CharField(max_length=255, unique=True, validators=[pii.models.validate_key_pattern]),
                ),
                (
                    "sensitivity",
                    models.CharField(
                        choices=[("pii", "PII"), ("sensitive", "Sensitive"), ("normal", "Normal")], max_length=16
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["key"]},
        ),
    ]
