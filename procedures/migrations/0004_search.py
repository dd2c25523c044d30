"""Catalogue search by whole words and Vietnamese name order (procedures.search, .collation).

- `search_name` (folded words of the name) and `search_name_trigrams` beside `search_text`,
  which now holds the folded words of every field search looks at; all are rebuilt here for the
  rows that exist.
- PostgreSQL only:
  - the ICU collation `vietnamese` (SQLite registers a Python one of the same name on every
    connection);
  - `search_words`, a stored generated tsvector of the words of `search_text`, with a GIN index,
    which answers the whole-word filter. The model does not declare it: INSERTs leave it out and
    PostgreSQL computes it; a later change of the type of `search_text` has to drop and
    re-create it. Computing the tsvector on each row instead (an index on the expression) cost
    0.4 s for a word that 2,500 of 3,000 procedures hold: for such a word the planner scans the
    table and evaluates the expression on every row;
  - the search columns are the last of a row to be compressed or moved out (storage MAIN), so
    the long texts of a record go first and its words stay uncompressed in the row: a common
    word is checked on most rows, and decompressing their words cost more than the check (a
    scan of 3,000 rows for one word: 14 ms compressed, 3 ms not). Keeping whole rows
    uncompressed up to 8 kB (toast_tuple_target) was measured too: no faster, 2.5 times the
    table.
  The words are folded in Python for both databases, so no `unaccent` is needed; `similarity()`
  comes from pg_trgm (migration 0002).
"""

from django.db import migrations, models

from procedures.text import trigram_count, word_text

POSTGRESQL_FORWARDS = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE COLLATION IF NOT EXISTS vietnamese (provider = icu, locale = 'vi')",
    "ALTER TABLE procedures_procedure ALTER COLUMN search_name SET STORAGE MAIN, "
    "ALTER COLUMN search_text SET STORAGE MAIN",
    "ALTER TABLE procedures_procedure ADD COLUMN IF NOT EXISTS search_words tsvector "
    "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_text, ' '))) STORED",
    "ALTER TABLE procedures_procedure ALTER COLUMN search_words SET STORAGE MAIN",
    "CREATE INDEX IF NOT EXISTS procedures_search_words ON procedures_procedure "
    "USING gin (search_words)",
]
POSTGRESQL_BACKWARDS = [
    "DROP INDEX IF EXISTS procedures_search_words",
    "ALTER TABLE procedures_procedure DROP COLUMN IF EXISTS search_words",
    "ALTER TABLE procedures_procedure ALTER COLUMN search_name SET STORAGE EXTENDED, "
    "ALTER COLUMN search_text SET STORAGE EXTENDED",
    "DROP COLLATION IF EXISTS vietnamese",
]


def postgresql_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_FORWARDS:
            schema_editor.execute(statement)


def postgresql_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRESQL_BACKWARDS:
            schema_editor.execute(statement)


COLUMNS = ["search_name", "search_name_trigrams", "search_text"]


def fill_search_columns(apps, schema_editor):
    """The same columns procedures.search.procedure_search_columns builds (a frozen copy)."""
    Procedure = apps.get_model("procedures", "Procedure")
    procedures = Procedure.objects.select_related("field", "agency").prefetch_related(
        "other_agencies", "documents", "results"
    )
    batch = []
    for procedure in procedures.iterator(chunk_size=500):
        parts = [
            procedure.code,
            procedure.name,
            procedure.decision_authority,
            procedure.authorised_agency,
            procedure.coordinating_agency,
            procedure.result,
            procedure.field.name,
            procedure.agency.name,
            procedure.agency.short_name,
        ]
        for agency in procedure.other_agencies.all():
            parts += [agency.name, agency.short_name]
        parts += [document.name for document in procedure.documents.all()]
        for result in procedure.results.all():
            parts += [result.code, result.name]
        procedure.search_name = word_text(procedure.name)
        procedure.search_name_trigrams = trigram_count(procedure.search_name)
        procedure.search_text = word_text(*parts)
        batch.append(procedure)
        if len(batch) == 500:
            Procedure.objects.bulk_update(batch, COLUMNS)
            batch = []
    Procedure.objects.bulk_update(batch, COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("procedures", "0003_catalogue_v2")]

    operations = [
        migrations.AddField(
            model_name="procedure",
            name="search_name",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="procedure",
            name="search_name_trigrams",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        # Storage first, so the rows the fill rewrites are stored the new way.
        migrations.RunPython(postgresql_forwards, postgresql_backwards),
        migrations.RunPython(fill_search_columns, migrations.RunPython.noop),
    ]
