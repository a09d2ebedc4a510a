"""Output checks are append-only like the audit trail, and a finished (or failed) analysis run never changes.

Same mechanism as 0002: on PostgreSQL a row trigger raises; on SQLite triggers abort, a DELETE being let through only
while ``datalab_maintenance_window`` holds a row (the test suite's flush of a transactional test).
"""

from django.db import migrations

FINAL = "('finished', 'failed')"

POSTGRES_RUN_FUNCTION = f"""
CREATE OR REPLACE FUNCTION datalab_refuse_finished_run_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.status IN {FINAL} THEN
        RAISE EXCEPTION 'datalab: a finished analysis run is append-only: it is never changed or deleted';
    END IF;
    RETURN NEW;
END
$$;
"""


def _install(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TRIGGER datalab_outputcheck_append_only BEFORE UPDATE OR DELETE ON datalab_outputcheck "
                "FOR EACH ROW EXECUTE FUNCTION datalab_refuse_change()"
            )
            cursor.execute(POSTGRES_RUN_FUNCTION)
            cursor.execute(
                "CREATE TRIGGER datalab_analysisrun_immutable BEFORE UPDATE OR DELETE ON datalab_analysisrun "
                "FOR EACH ROW EXECUTE FUNCTION datalab_refuse_finished_run_change()"
            )
        elif connection.vendor == "sqlite":
            window = "NOT EXISTS (SELECT 1 FROM datalab_maintenance_window)"
            cursor.execute(
                "CREATE TRIGGER datalab_outputcheck_no_update BEFORE UPDATE ON datalab_outputcheck "
                "BEGIN SELECT RAISE(ABORT, 'datalab: append-only: rows are never changed'); END"
            )
            cursor.execute(
                f"CREATE TRIGGER datalab_outputcheck_no_delete BEFORE DELETE ON datalab_outputcheck WHEN {window} "
                "BEGIN SELECT RAISE(ABORT, 'datalab: append-only: rows are never deleted'); END"
            )
            cursor.execute(
                f"CREATE TRIGGER datalab_analysisrun_no_update BEFORE UPDATE ON datalab_analysisrun "
                f"WHEN OLD.status IN {FINAL} "
                "BEGIN SELECT RAISE(ABORT, 'datalab: a finished analysis run is append-only: never changed'); END"
            )
            cursor.execute(
                f"CREATE TRIGGER datalab_analysisrun_no_delete BEFORE DELETE ON datalab_analysisrun WHEN {window} "
                "BEGIN SELECT RAISE(ABORT, 'datalab: a finished analysis run is append-only: never deleted'); END"
            )


def _remove(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS datalab_outputcheck_append_only ON datalab_outputcheck")
            cursor.execute("DROP TRIGGER IF EXISTS datalab_analysisrun_immutable ON datalab_analysisrun")
            cursor.execute("DROP FUNCTION IF EXISTS datalab_refuse_finished_run_change()")
        elif connection.vendor == "sqlite":
            for name in ("outputcheck_no_update", "outputcheck_no_delete", "analysisrun_no_update",
                         "analysisrun_no_delete"):
                cursor.execute(f"DROP TRIGGER IF EXISTS datalab_{name}")


class Migration(migrations.Migration):
    dependencies = [("datalab", "0003_analysis_runs")]

    operations = [migrations.RunPython(_install, _remove)]
