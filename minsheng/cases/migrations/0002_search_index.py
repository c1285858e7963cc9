"""Full-text index over SearchDocument.tokens: FTS5 on SQLite, GIN over to_tsvector on PostgreSQL."""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE cases_searchdocument_fts USING fts5("
    "tokens, content='cases_searchdocument', content_rowid='id', tokenize='unicode61')",
    "CREATE TRIGGER cases_searchdocument_ai AFTER INSERT ON cases_searchdocument BEGIN "
    "INSERT INTO cases_searchdocument_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
    "CREATE TRIGGER cases_searchdocument_ad AFTER DELETE ON cases_searchdocument BEGIN "
    "INSERT INTO cases_searchdocument_fts(cases_searchdocument_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); END",
    "CREATE TRIGGER cases_searchdocument_au AFTER UPDATE ON cases_searchdocument BEGIN "
    "INSERT INTO cases_searchdocument_fts(cases_searchdocument_fts, rowid, tokens) "
    "VALUES ('delete', old.id, old.tokens); "
    "INSERT INTO cases_searchdocument_fts(rowid, tokens) VALUES (new.id, new.tokens); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS cases_searchdocument_au",
    "DROP TRIGGER IF EXISTS cases_searchdocument_ad",
    "DROP TRIGGER IF EXISTS cases_searchdocument_ai",
    "DROP TABLE IF EXISTS cases_searchdocument_fts",
]
PG_FORWARD = [
    "CREATE INDEX cases_searchdocument_tsv ON cases_searchdocument "
    "USING gin (to_tsvector('simple', tokens))",
]
PG_BACKWARD = ["DROP INDEX IF EXISTS cases_searchdocument_tsv"]


def forward(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(schema_editor.connection.vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
