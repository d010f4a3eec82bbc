"""The search documents' result cards; the search index: a tsvector column with a GIN index on PostgreSQL, an FTS5 table on SQLite."""

from __future__ import annotations

from django.db import migrations, models

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE (its dictionary could change); this wrapper names the dictionary,
    # so that it may be IMMUTABLE and be used to compute stored vectors.
    """CREATE OR REPLACE FUNCTION network_practices_unaccent(text) RETURNS text
       LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
       AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    "ALTER TABLE network_practices_practicesearchdocument ADD COLUMN document tsvector",
    "CREATE INDEX network_practices_document_gin ON network_practices_practicesearchdocument USING gin (document)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS network_practices_document_gin",
    "ALTER TABLE network_practices_practicesearchdocument DROP COLUMN IF EXISTS document",
    "DROP FUNCTION IF EXISTS network_practices_unaccent(text)",
]
SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE network_practices_fts USING fts5("
    "titles, body, tokenize = \"unicode61 remove_diacritics 2\")",
]
SQLITE_BACKWARD = ["DROP TABLE IF EXISTS network_practices_fts"]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("network_practices", "0001_initial")]

    operations = [
        # What a search result shows per language (title, summary), read without loading snapshots.
        migrations.AddField(model_name="practicesearchdocument", name="cards", field=models.JSONField(default=dict)),
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
