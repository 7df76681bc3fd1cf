"""The database refuses an UPDATE that changes what a payment was for: its amount and currency.

The model layer (`ImmutableFieldsMixin`) already refuses such saves; these triggers also stop
raw SQL, `QuerySet.update()` and any other client. Other columns (status, refunds, Stripe
ids) stay writable. The error is an integrity violation on both databases (IntegrityError).
SQLite drops a table's triggers when a migration rebuilds the table (most AlterField), so a
later migration that rebuilds this table must create them again.
"""

from django.db import migrations

POSTGRESQL = [
    """
CREATE OR REPLACE FUNCTION monetization_payment_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'monetization_payment %: amount_cents and currency cannot change', OLD.id
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER monetization_payment_immutable
BEFORE UPDATE OF amount_cents, currency ON monetization_payment
FOR EACH ROW
WHEN (OLD.amount_cents IS DISTINCT FROM NEW.amount_cents OR OLD.currency IS DISTINCT FROM NEW.currency)
EXECUTE FUNCTION monetization_payment_refuse_change()
""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS monetization_payment_immutable ON monetization_payment",
    "DROP FUNCTION IF EXISTS monetization_payment_refuse_change()",
]
SQLITE = [
    """
CREATE TRIGGER monetization_payment_immutable
BEFORE UPDATE OF amount_cents, currency ON monetization_payment
FOR EACH ROW
WHEN OLD.amount_cents IS NOT NEW.amount_cents OR OLD.currency IS NOT NEW.currency
BEGIN
    SELECT RAISE(ABORT, 'monetization_payment: amount_cents and currency cannot change');
END
""",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS monetization_payment_immutable"]


def create_triggers(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL, "sqlite": SQLITE})


def drop_triggers(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE})


def _run(schema_editor, statements_by_vendor):
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("monetization", "0004_paid_coverage_refunds_disputes"),
    ]

    operations = [
        migrations.RunPython(create_triggers, drop_triggers),
    ]
