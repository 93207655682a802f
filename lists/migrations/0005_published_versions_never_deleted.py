"""A published version is never deleted either, nor a measure or a consultation of one.

lists 0003 made the database refuse to change a published version; these triggers refuse
DELETE of a published version and of the measures (ListItem) and consultations that belong
to one, on SQLite and PostgreSQL, whoever sends it. No code path deletes them (the services
discard drafts only). The test runner's flush lifts the triggers on SQLite for that moment
only (tests/conftest.py); PostgreSQL's flush is TRUNCATE, which row triggers do not see.

SQLite drops a table's triggers when a later migration rebuilds the table: a migration that
alters lists_listitem, lists_consultation or lists_listversion must create these again, with
those of lists 0003 (as lists 0004 does).
"""

from django.db import migrations

MESSAGE = "a published list version is never deleted"

SQLITE = [
    f"""
    CREATE TRIGGER lists_{table}_delete_published BEFORE DELETE ON lists_{table}
    WHEN EXISTS (SELECT 1 FROM lists_listversion WHERE state = 'published'
                 AND id = OLD.version_id)
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
    for table in ("listitem", "consultation")
] + [
    f"""
    CREATE TRIGGER lists_listversion_delete_published BEFORE DELETE ON lists_listversion
    WHEN OLD.state = 'published'
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS lists_{table}_delete_published;"
    for table in ("listitem", "consultation", "listversion")
]

# SQLSTATE 23000 (integrity_constraint_violation) reaches Django as an IntegrityError. A
# BEFORE DELETE trigger lets the row go by returning OLD.
POSTGRESQL = [
    f"""
    CREATE FUNCTION lists_refuse_published_child_delete() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM lists_listversion WHERE state = 'published'
                 AND id = OLD.version_id) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
      END IF;
      RETURN OLD;
    END $$;
    """,
    f"""
    CREATE FUNCTION lists_refuse_published_version_delete() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.state = 'published' THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
      END IF;
      RETURN OLD;
    END $$;
    """,
    *(
        f"""
        CREATE TRIGGER lists_{table}_delete_published BEFORE DELETE ON lists_{table}
        FOR EACH ROW EXECUTE FUNCTION lists_refuse_published_child_delete();
        """
        for table in ("listitem", "consultation")
    ),
    """
    CREATE TRIGGER lists_listversion_delete_published BEFORE DELETE ON lists_listversion
    FOR EACH ROW EXECUTE FUNCTION lists_refuse_published_version_delete();
    """,
]
POSTGRESQL_REVERSE = [
    *(
        f"DROP TRIGGER IF EXISTS lists_{table}_delete_published ON lists_{table};"
        for table in ("listitem", "consultation", "listversion")
    ),
    "DROP FUNCTION IF EXISTS lists_refuse_published_child_delete();",
    "DROP FUNCTION IF EXISTS lists_refuse_published_version_delete();",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("lists", "0004_consultation_before_publication_and_document_numbers")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
