"""A published version never changes, enforced by the database as well as by the services.

Triggers refuse to add, change or move a measure or a consultation of a published version, and
to change a published version itself. Deleting is left alone so that the test runner can
flush tables; no code path deletes a published version (services refuse it).

SQLite drops a table's triggers when a later migration rebuilds the table: a migration that
alters lists_listitem, lists_consultation or lists_listversion must create them again.
"""

from django.db import migrations

MESSAGE = "a published list version never changes"

SQLITE = [
    f"""
    CREATE TRIGGER lists_{table}_{event}_published BEFORE {event.upper()} ON lists_{table}
    WHEN EXISTS (SELECT 1 FROM lists_listversion WHERE state = 'published'
                 AND id IN ({ids}))
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
    for table in ("listitem", "consultation")
    for event, ids in (("insert", "NEW.version_id"), ("update", "NEW.version_id, OLD.version_id"))
] + [
    f"""
    CREATE TRIGGER lists_listversion_update_published BEFORE UPDATE ON lists_listversion
    WHEN OLD.state = 'published'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS lists_{table}_{event}_published;"
    for table in ("listitem", "consultation")
    for event in ("insert", "update")
] + ["DROP TRIGGER IF EXISTS lists_listversion_update_published;"]

# SQLSTATE 23000 (integrity_constraint_violation) reaches Django as an IntegrityError.
POSTGRESQL = [
    f"""
    CREATE FUNCTION lists_refuse_published_child() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM lists_listversion WHERE state = 'published'
                 AND id = NEW.version_id)
         OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM lists_listversion
             WHERE state = 'published' AND id = OLD.version_id)) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
      END IF;
      RETURN NEW;
    END $$;
    """,
    f"""
    CREATE FUNCTION lists_refuse_published_version() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.state = 'published' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
      END IF;
      RETURN NEW;
    END $$;
    """,
    *(
        f"""
        CREATE TRIGGER lists_{table}_published BEFORE INSERT OR UPDATE ON lists_{table}
        FOR EACH ROW EXECUTE FUNCTION lists_refuse_published_child();
        """
        for table in ("listitem", "consultation")
    ),
    """
    CREATE TRIGGER lists_listversion_published BEFORE UPDATE ON lists_listversion
    FOR EACH ROW EXECUTE FUNCTION lists_refuse_published_version();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS lists_listitem_published ON lists_listitem;",
    "DROP TRIGGER IF EXISTS lists_consultation_published ON lists_consultation;",
    "DROP TRIGGER IF EXISTS lists_listversion_published ON lists_listversion;",
    "DROP FUNCTION IF EXISTS lists_refuse_published_child();",
    "DROP FUNCTION IF EXISTS lists_refuse_published_version();",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("lists", "0002_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
