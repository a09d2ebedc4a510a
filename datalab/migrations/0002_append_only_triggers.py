"""The database itself refuses to change or remove a row of the audit trail or of the deletion certificates.

PostgreSQL: a row trigger before UPDATE or DELETE raises. TRUNCATE (a table owner's operation, which the web's database
role should not have; Django's test flush uses it) is not a row change and is not refused.
SQLite: triggers before UPDATE and DELETE abort. A DELETE is let through only while ``datalab_maintenance_window`` (a
table of no model, so never flushed) holds a row: the test suite opens it around flushing a transactional test's
database, as an operator would for a sanctioned purge. Nothing in the platform writes to it.
"""

from django.db import migrations

TABLES = ("datalab_auditentry", "datalab_deletioncertificate")

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION datalab_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'datalab: % is append-only: rows are never changed or deleted', TG_TABLE_NAME;
END
$$;
"""


def _install(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            for table in TABLES:
                cursor.execute(
                    f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION datalab_refuse_change()"
                )
        elif connection.vendor == "sqlite":
            cursor.execute("CREATE TABLE IF NOT EXISTS datalab_maintenance_window (opened_by TEXT NOT NULL)")
            for table in TABLES:
                cursor.execute(
                    f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                    "BEGIN SELECT RAISE(ABORT, 'datalab: append-only: rows are never changed'); END"
                )
                cursor.execute(
                    f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                    "WHEN NOT EXISTS (SELECT 1 FROM datalab_maintenance_window) "
                    "BEGIN SELECT RAISE(ABORT, 'datalab: append-only: rows are never deleted'); END"
                )


def _remove(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for table in TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            elif connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS datalab_refuse_change()")
        elif connection.vendor == "sqlite":
            cursor.execute("DROP TABLE IF EXISTS datalab_maintenance_window")


class Migration(migrations.Migration):
    dependencies = [("datalab", "0001_initial")]

    operations = [migrations.RunPython(_install, _remove)]
