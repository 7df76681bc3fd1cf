"""The database refuses an UPDATE that changes what a payment was for: its amount and currency.

The model layer (`ImmutableFieldsMixin`) already refuses such saves; these triggers also stop
raw SQL, `QuerySet.update()` and any other client. Other columns (status, refunds, Stripe
ids) stay writable. The error is an integrity violation on both databases (IntegrityError).
SQLite drops a table's triggers when a migration rebuilds the table (most AlterField), so a
later migration that rebuilds this table must create them again.
"""

from django.db import migrations

from audit.migration_sql import run_per_vendor

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



class Migration(migrations.Migration):
    dependencies = [
        ("monetization", "0004_paid_coverage_refunds_disputes"),
    ]

    operations = [
        run_per_vendor(
            {"postgresql": POSTGRESQL, "sqlite": SQLITE},
            {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE},
        ),
    ]
