from django.db import migrations

# Dossier events are the audit trail: the database itself refuses to change or delete them, so no
# code path (raw SQL, a bulk update, a careless admin action) can rewrite history.
#
# PostgreSQL refuses both UPDATE and DELETE. SQLite refuses UPDATE only: Django empties the tables
# of transactional tests with DELETE (PostgreSQL uses TRUNCATE, which row triggers do not see), and
# SQLite triggers cannot tell that apart; the model and its queryset refuse deletes instead.

TABLE = "dossiers_dossierevent"

POSTGRESQL_FORWARD = f"""
CREATE OR REPLACE FUNCTION dossiers_dossierevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'dossiers_dossierevent is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER dossiers_dossierevent_append_only
    BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION dossiers_dossierevent_append_only();
"""

POSTGRESQL_BACKWARD = f"""
DROP TRIGGER IF EXISTS dossiers_dossierevent_append_only ON {TABLE};
DROP FUNCTION IF EXISTS dossiers_dossierevent_append_only();
"""

SQLITE_FORWARD = f"""
CREATE TRIGGER dossiers_dossierevent_no_update BEFORE UPDATE ON {TABLE}
BEGIN
    SELECT RAISE(ABORT, 'dossiers_dossierevent is append-only: UPDATE refused');
END;
"""

SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS dossiers_dossierevent_no_update;"


def _run(schema_editor, postgresql: str, sqlite: str) -> None:
    vendor = schema_editor.connection.vendor
    # No parameters: the PL/pgSQL body uses % for its own placeholders.
    if vendor == "postgresql":
        schema_editor.execute(postgresql, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(sqlite, params=None)


def forward(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_FORWARD, SQLITE_FORWARD)


def backward(apps, schema_editor):
    _run(schema_editor, POSTGRESQL_BACKWARD, SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0003_dossier")]

    operations = [migrations.RunPython(forward, backward)]
