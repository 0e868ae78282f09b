"""One round trip to append to the audit chain on PostgreSQL: `core_audit_chain_head(key)` takes the
chain's transaction-scoped advisory lock and then returns the newest hash. A VOLATILE plpgsql function
reads with a fresh snapshot per statement, so the SELECT after the lock sees every row committed before
the lock was granted."""

from django.db import migrations

FUNCTION = """
CREATE OR REPLACE FUNCTION core_audit_chain_head(lock_key bigint) RETURNS text
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN (SELECT hash FROM core_auditevent ORDER BY id DESC LIMIT 1);
END $$"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FUNCTION)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS core_audit_chain_head(bigint)")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_attachment_notification")]

    operations = [migrations.RunPython(create, drop)]
