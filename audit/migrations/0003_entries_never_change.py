"""An audit entry never changes and is never deleted, enforced by the database as well as by
the app (nothing in it updates or deletes an entry).

Triggers refuse UPDATE and DELETE of any row of audit_auditentry, whoever sends it: the ORM,
the admin, a raw SQL statement. The app has no way around them. The test runner's flush, which
empties every table between transactional tests, lifts them on SQLite for that moment only
(tests/conftest.py); PostgreSQL's flush is TRUNCATE, which row triggers do not see.

SQLite drops a table's triggers when a later migration rebuilds the table: a migration that
alters audit_auditentry must create them again (SQLITE below), after any data it fills.
"""

from django.db import migrations

MESSAGE = "an audit entry never changes and is never deleted"

SQLITE = [
    f"""
    CREATE TRIGGER audit_auditentry_{event}_refused BEFORE {event.upper()} ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
    for event in ("update", "delete")
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS audit_auditentry_{event}_refused;" for event in ("update", "delete")
]

# SQLSTATE 23000 (integrity_constraint_violation) reaches Django as an IntegrityError.
POSTGRESQL = [
    f"""
    CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
    END $$;
    """,
    """
    CREATE TRIGGER audit_auditentry_refused BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditentry_refused ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_refuse_change();",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_actor_name_kept")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
