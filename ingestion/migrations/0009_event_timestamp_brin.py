"""A BRIN index on events' timestamp (PostgreSQL only; SQLite has no BRIN and small tables).

Events are appended in arrival order, so time follows the table's physical order: a block-range
index of a few hundred kilobytes lets a windowed condition with property filters ("viewed tech in
the last 30 days") read the last month's pages instead of the whole table. Not declared on the
model: Django's BrinIndex would be created on SQLite too."""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS event_ts_brin ON ingestion_event USING brin (timestamp) "
    "WITH (pages_per_range = 32, autosummarize = on)"
)
DROP = "DROP INDEX IF EXISTS event_ts_brin"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0008_event_known_as")]

    operations = [migrations.RunPython(create, drop)]
