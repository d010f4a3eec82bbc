"""On PostgreSQL, released tables and cells cannot be changed or deleted, even by raw SQL of the app.

Tables and cells are written once, in the transaction that releases, and never after: a trigger
refuses UPDATE and DELETE. (The model guards do the same on SQLite, for code that goes through the
models.) The database owner can still drop the trigger: this guards against the application's
mistakes and its runtime role, not against the owner.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION network_release_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'released figures are immutable: ' || TG_TABLE_NAME, ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS network_release_table_immutable ON network_releases_releasetable;
CREATE TRIGGER network_release_table_immutable BEFORE UPDATE OR DELETE ON network_releases_releasetable
    FOR EACH ROW EXECUTE FUNCTION network_release_immutable();
DROP TRIGGER IF EXISTS network_release_cell_immutable ON network_releases_releasecell;
CREATE TRIGGER network_release_cell_immutable BEFORE UPDATE OR DELETE ON network_releases_releasecell
    FOR EACH ROW EXECUTE FUNCTION network_release_immutable();
"""

DROP = """
DROP TRIGGER IF EXISTS network_release_table_immutable ON network_releases_releasetable;
DROP TRIGGER IF EXISTS network_release_cell_immutable ON network_releases_releasecell;
DROP FUNCTION IF EXISTS network_release_immutable();
"""


def forwards(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):  # noqa: ANN001, ANN201
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("network_releases", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
