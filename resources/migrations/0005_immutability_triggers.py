"""The database refuses an UPDATE that changes which file a version is: its number, its external
file_url or its hosted file (storage key, name, type, size, sha256).

The model layer (`ImmutableFieldsMixin`) already refuses such saves; these triggers also stop
raw SQL, `QuerySet.update()` and any other client. Deleting a version (with its resource)
stays possible. The error is an integrity violation on both databases (IntegrityError).
SQLite drops a table's triggers when a migration rebuilds the table (most AlterField), so a
later migration that rebuilds this table must create them again.
"""

from django.db import migrations

from audit.migration_sql import run_per_vendor

POSTGRESQL = [
    """
CREATE OR REPLACE FUNCTION resources_resourceversion_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'resources_resourceversion %: its number and file cannot change', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER resources_resourceversion_immutable
BEFORE UPDATE OF version_number, file_url, storage_key, original_name, content_type, size_bytes, sha256 ON resources_resourceversion
FOR EACH ROW
WHEN (
    OLD.version_number IS DISTINCT FROM NEW.version_number
    OR OLD.file_url IS DISTINCT FROM NEW.file_url
    OR OLD.storage_key IS DISTINCT FROM NEW.storage_key
    OR OLD.original_name IS DISTINCT FROM NEW.original_name
    OR OLD.content_type IS DISTINCT FROM NEW.content_type
    OR OLD.size_bytes IS DISTINCT FROM NEW.size_bytes
    OR OLD.sha256 IS DISTINCT FROM NEW.sha256
)
EXECUTE FUNCTION resources_resourceversion_refuse_change()
""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS resources_resourceversion_immutable ON resources_resourceversion",
    "DROP FUNCTION IF EXISTS resources_resourceversion_refuse_change()",
]
SQLITE = [
    """
CREATE TRIGGER resources_resourceversion_immutable
BEFORE UPDATE OF version_number, file_url, storage_key, original_name, content_type, size_bytes, sha256 ON resources_resourceversion
FOR EACH ROW
WHEN OLD.version_number IS NOT NEW.version_number
    OR OLD.file_url IS NOT NEW.file_url
    OR OLD.storage_key IS NOT NEW.storage_key
    OR OLD.original_name IS NOT NEW.original_name
    OR OLD.content_type IS NOT NEW.content_type
    OR OLD.size_bytes IS NOT NEW.size_bytes
    OR OLD.sha256 IS NOT NEW.sha256
BEGIN
    SELECT RAISE(ABORT, 'resources_resourceversion: its number and file cannot change');
END
""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS resources_resourceversion_immutable"]



class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0004_hosted_files"),
    ]

    operations = [
        run_per_vendor(
            {"postgresql": POSTGRESQL, "sqlite": SQLITE},
            {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]
