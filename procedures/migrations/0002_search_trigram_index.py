"""A trigram index for catalogue search on PostgreSQL.

Search filters `search_text LIKE '%term%'`; a B-tree cannot serve that, a pg_trgm GIN index can.
SQLite has neither, so the operation does nothing there and search scans (the catalogue is small).
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS procedures_search_trgm ON procedures_procedure "
    "USING gin (search_text gin_trgm_ops)",
]
DROP = ["DROP INDEX IF EXISTS procedures_search_trgm"]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
