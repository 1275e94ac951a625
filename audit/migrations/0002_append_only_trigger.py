"""PostgreSQL: the audit table refuses UPDATE, DELETE and TRUNCATE, whoever asks.

A REVOKE would not bind here: the application's database role owns the table (it ran the
migrations), and an owner or superuser keeps every privilege. A trigger binds every role,
owner included; only someone who can ALTER the table (drop or disable the trigger) gets past it,
and that is a schema change, not something application code does. See docs/privacy.md.

TRUNCATE is refused unless the session sets `shoal.audit_truncate_ok = on`: the test settings do
(test isolation flushes every table between tests), production never does.
On SQLite the model and its queryset refuse updates and deletes instead.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND coalesce(current_setting('shoal.audit_truncate_ok', true), '') = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit_auditentry is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry;
CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_auditentry FROM PUBLIC;
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_entry_no_change ON audit_auditentry;
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)  # no parameters: "%" is literal and several statements run


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
