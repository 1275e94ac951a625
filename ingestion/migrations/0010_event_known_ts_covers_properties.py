"""event_known_ts covers properties too (PostgreSQL; SQLite ignores INCLUDE): conditions on an
event's properties (aggregates, property filters) read one event name's index entries instead of
scanning the whole events table. The new index is built before the old one goes.

On PostgreSQL both steps run CONCURRENTLY: the tracking API goes on writing events while the index
is built (a plain CREATE INDEX would hold their inserts for the whole build, ~25 s on 10M
events). Elsewhere (SQLite) they are the plain operations."""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class PlainOffPostgres:
    """A concurrent index operation that runs as its plain form on databases other than PostgreSQL."""

    plain: type

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return self.plain.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddIndexWithoutBlocking(PlainOffPostgres, AddIndexConcurrently):
    plain = migrations.AddIndex


class RemoveIndexWithoutBlocking(PlainOffPostgres, RemoveIndexConcurrently):
    plain = migrations.RemoveIndex


class Migration(migrations.Migration):
    atomic = False  # CREATE / DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("ingestion", "0009_event_timestamp_brin"),
        ("profiles", "0005_profile_live_id"),
    ]

    operations = [
        AddIndexWithoutBlocking(
            model_name="event",
            index=models.Index(
                fields=["known_as", "timestamp"], include=("profile", "properties"), name="event_known_ts_props"
            ),
        ),
        RemoveIndexWithoutBlocking(model_name="event", name="event_known_ts"),
    ]
