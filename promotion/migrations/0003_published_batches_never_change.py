"""A batch published on the platform never changes, enforced by the database as well as by
the services (promotion.services.batches refuses every change after publishing).

Triggers refuse to change such a batch and to add, change or move a measure of it. A batch
published on the platform is one with `published_at` set; the three reference batches (loaded
from data/ by promotion.reference, with no `published_at`) stay open to the loader, which
brings them up to date when the data is corrected. Deleting is left alone so that the test
runner can flush tables (as for list versions: lists/migrations/0003).

SQLite drops a table's triggers when a later migration rebuilds the table: a migration that
alters promotion_promotionbatch or promotion_promotedmeasure must create them again.
"""

from django.db import migrations

MESSAGE = "a promotion batch published on the platform never changes"
PUBLISHED = "state = 'published' AND published_at IS NOT NULL"

SQLITE = [
    f"""
    CREATE TRIGGER promotion_measure_{event}_published BEFORE {event.upper()}
    ON promotion_promotedmeasure
    WHEN EXISTS (SELECT 1 FROM promotion_promotionbatch WHERE {PUBLISHED} AND id IN ({ids}))
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
    for event, ids in (("insert", "NEW.batch_id"), ("update", "NEW.batch_id, OLD.batch_id"))
] + [
    f"""
    CREATE TRIGGER promotion_batch_update_published BEFORE UPDATE ON promotion_promotionbatch
    WHEN OLD.state = 'published' AND OLD.published_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
    """
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS promotion_measure_insert_published;",
    "DROP TRIGGER IF EXISTS promotion_measure_update_published;",
    "DROP TRIGGER IF EXISTS promotion_batch_update_published;",
]

# SQLSTATE 23000 (integrity_constraint_violation) reaches Django as an IntegrityError.
POSTGRESQL = [
    f"""
    CREATE FUNCTION promotion_refuse_published_measure() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM promotion_promotionbatch WHERE {PUBLISHED} AND id = NEW.batch_id)
         OR (TG_OP = 'UPDATE' AND EXISTS (SELECT 1 FROM promotion_promotionbatch
             WHERE {PUBLISHED} AND id = OLD.batch_id)) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
      END IF;
      RETURN NEW;
    END $$;
    """,
    f"""
    CREATE FUNCTION promotion_refuse_published_batch() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.state = 'published' AND OLD.published_at IS NOT NULL THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = '23000';
      END IF;
      RETURN NEW;
    END $$;
    """,
    """
    CREATE TRIGGER promotion_measure_published BEFORE INSERT OR UPDATE
    ON promotion_promotedmeasure
    FOR EACH ROW EXECUTE FUNCTION promotion_refuse_published_measure();
    """,
    """
    CREATE TRIGGER promotion_batch_published BEFORE UPDATE ON promotion_promotionbatch
    FOR EACH ROW EXECUTE FUNCTION promotion_refuse_published_batch();
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS promotion_measure_published ON promotion_promotedmeasure;",
    "DROP TRIGGER IF EXISTS promotion_batch_published ON promotion_promotionbatch;",
    "DROP FUNCTION IF EXISTS promotion_refuse_published_measure();",
    "DROP FUNCTION IF EXISTS promotion_refuse_published_batch();",
]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("promotion", "0002_adoption")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
        )
    ]
