"""PostgreSQL: the date-time parse of the SQL target becomes a function (values.MOMENT_FUNCTION),
and the indexes of trait dates hold its value instead of the date prefix (pg.index_trait_dates)."""

import logging

from django.db import migrations

log = logging.getLogger(__name__)

# sha256 of the body installed (values.MOMENT_FUNCTION_BODY when this was written): the tests
# fail when the code's body no longer matches the one the latest such migration installs.
BODY_SHA256 = "344077466926aa29f2b1aa737b6a987dac01f5698a9b183c0b2f318d4392e030"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from segments import pg
    from segments.rules import RuleError, parse
    from segments.rules.dependencies import trait_date_paths

    pg.install_moment_function()
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'i' AND c.relname LIKE %s "
            "AND c.relnamespace = current_schema()::regnamespace",
            ["profile\\_trait\\_day\\_%"],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
    paths = set()
    for rule in apps.get_model("segments", "Segment").objects.filter(status="active").values_list("rule", flat=True):
        try:
            paths |= trait_date_paths(parse(rule))
        except RuleError:  # evaluation reports it; an index is only speed
            log.warning("segment rule not indexed: %r", rule)
    pg.index_trait_dates(paths, concurrently=False)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from segments.rules.values import MOMENT_FUNCTION

    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DROP FUNCTION IF EXISTS {MOMENT_FUNCTION}(text) CASCADE")  # with its indexes


class Migration(migrations.Migration):
    dependencies = [
        ("segments", "0006_pending_evaluation"),
        ("profiles", "0005_profile_live_id"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
