"""event_known_ts covers properties too (PostgreSQL; SQLite ignores INCLUDE): conditions on an
event's properties (aggregates, property filters) read one event name's index entries instead of
scanning the whole events table. The new index is built before the old one goes."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ingestion", "0009_event_timestamp_brin"),
        ("profiles", "0005_profile_live_id"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="event",
            index=models.Index(
                fields=["known_as", "timestamp"], include=("profile", "properties"), name="event_known_ts_props"
            ),
        ),
        migrations.RemoveIndex(
            model_name="event",
            name="event_known_ts",
        ),
    ]
