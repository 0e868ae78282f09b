"""The taxonomy generation row and the triggers that rewrite it on every change to categories and step
limits (PostgreSQL: statement-level, truncate included; SQLite: row-level)."""

import uuid

from django.db import migrations, models

TABLES = ("taxonomy_category", "taxonomy_steplimit")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION taxonomy_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO taxonomy_generation (id, token) VALUES (1, gen_random_uuid()::text)
    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
    RETURN NULL;
END $$"""


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    execute = schema_editor.execute
    if vendor == "postgresql":
        execute(PG_FUNCTION)
        for table in TABLES:
            execute(f"CREATE TRIGGER {table}_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION taxonomy_bump_generation()")
    elif vendor == "sqlite":
        bump = ("INSERT INTO taxonomy_generation (id, token) VALUES (1, lower(hex(randomblob(16)))) "
                "ON CONFLICT (id) DO UPDATE SET token = excluded.token;")
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                execute(f"CREATE TRIGGER {table}_generation_{event.lower()} AFTER {event} ON {table} "
                        f"FOR EACH ROW BEGIN {bump} END")
    # Other databases: no trigger and no row; the caches then rebuild on every read.
    if vendor in ("postgresql", "sqlite"):
        execute("INSERT INTO taxonomy_generation (id, token) VALUES (1, %s)", [uuid.uuid4().hex])


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_generation ON {table}")
        elif vendor == "sqlite":
            for event in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_generation_{event}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS taxonomy_bump_generation()")


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="Generation",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("token", models.CharField(max_length=64)),
            ],
            options={"verbose_name": "分类版本", "verbose_name_plural": "分类版本"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
