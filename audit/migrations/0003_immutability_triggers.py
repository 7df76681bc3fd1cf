"""Audit rows are append-only in the database too: triggers refuse any UPDATE or DELETE of a row.

The model layer already refuses saves and deletes of existing rows; the triggers also stop
raw SQL, `QuerySet.update()` and any other client (an integrity violation, IntegrityError, on
both databases).

So that no legitimate write needs to change a row, the two foreign keys no longer SET NULL
(an UPDATE) when their target is deleted: deleting a user or a content type leaves the rows
that name it as written, with its id (no database foreign key; `actor` of a deleted user
reads as None with select_related).

`manage.py flush` (and every transactional test's teardown) must still empty the table:
PostgreSQL's flush is a TRUNCATE, which row triggers do not see; SQLite's is a DELETE, so
the DELETE trigger lets rows go while `audit_purge_allowed` has a row, which only the
audit app's `flush` command writes, inside the flush's own transaction (never committed).
SQLite drops a table's triggers when a migration rebuilds the table (most AlterField), so a
later migration that rebuilds this table must create them again.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from audit.migration_sql import run_per_vendor

POSTGRESQL = [
    """
CREATE OR REPLACE FUNCTION audit_auditlog_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditlog %: audit rows are append-only (% refused)', OLD.id, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER audit_auditlog_append_only
BEFORE UPDATE OR DELETE ON audit_auditlog
FOR EACH ROW EXECUTE FUNCTION audit_auditlog_refuse_change()
""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditlog_append_only ON audit_auditlog",
    "DROP FUNCTION IF EXISTS audit_auditlog_refuse_change()",
]
SQLITE = [
    "CREATE TABLE audit_purge_allowed (id INTEGER PRIMARY KEY)",
    """
CREATE TRIGGER audit_auditlog_no_update
BEFORE UPDATE ON audit_auditlog
FOR EACH ROW
BEGIN
    SELECT RAISE(ABORT, 'audit_auditlog: audit rows are append-only (UPDATE refused)');
END
""",
    """
CREATE TRIGGER audit_auditlog_no_delete
BEFORE DELETE ON audit_auditlog
FOR EACH ROW WHEN NOT EXISTS (SELECT 1 FROM audit_purge_allowed)
BEGIN
    SELECT RAISE(ABORT, 'audit_auditlog: audit rows are append-only (DELETE refused)');
END
""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_auditlog_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditlog_no_update",
    "DROP TABLE IF EXISTS audit_purge_allowed",
]



class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditlog",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="content_type",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                to="contenttypes.contenttype",
            ),
        ),
        # After the AlterFields: on SQLite they rebuild the table, which would drop its triggers.
        run_per_vendor(
            {"postgresql": POSTGRESQL, "sqlite": SQLITE},
            {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]
