"""The database itself refuses to rewrite history: triggers, tested with raw SQL on both databases.

Payments keep their amount and currency, resource versions their number and file, and audit
rows are never updated or deleted, whoever asks: the ORM, `QuerySet.update()` (which skips
`save()`), or SQL typed into a console.
"""

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from audit.models import AuditLog
from core.services.audit import audit_change
from monetization.models import Payment
from monetization.tests.factories import PaymentFactory
from resources.models import Resource, ResourceVersion
from resources.tests.factories import ResourceVersionFactory
from users.models import User
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def execute(sql: str, params: list) -> int:
    """Run raw SQL in its own savepoint (a refused statement must not poison the test's transaction)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def db_id(instance) -> object:
    """The primary key as the database stores it (SQLite keeps UUIDs as 32 hex digits)."""
    return instance.pk if connection.vendor == "postgresql" else instance.pk.hex


def refused(sql: str, params: list) -> str:
    with pytest.raises(IntegrityError) as caught:
        execute(sql, params)
    return str(caught.value)


@pytest.mark.parametrize(
    ("column", "value"),
    [("amount_cents", 1), ("currency", "EUR")],
)
def test_an_update_of_a_payments_amount_or_currency_is_refused_by_the_database(column, value):
    payment = PaymentFactory(amount_cents=999, currency="USD")
    message = refused(f"UPDATE monetization_payment SET {column} = %s WHERE id = %s", [value, db_id(payment)])  # noqa: S608
    assert "amount_cents and currency cannot change" in message
    stored = Payment.objects.get(pk=payment.pk)
    assert (stored.amount_cents, stored.currency) == (999, "USD")


def test_a_payments_other_columns_stay_writable_including_a_rewrite_of_the_same_amount():
    payment = PaymentFactory(amount_cents=999, currency="USD", status=Payment.Status.COMPLETED)
    sql = "UPDATE monetization_payment SET status = %s, amount_cents = %s, currency = %s WHERE id = %s"
    assert execute(sql, ["REFUNDED", 999, "USD", db_id(payment)]) == 1
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED
    payment.refresh_from_db()
    payment.stripe_charge_id = "ch_1"
    payment.save()  # the ORM's save writes every column, unchanged ones included


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("version_number", 7),
        ("file_url", "https://example.com/swapped.pdf"),
        ("storage_key", "resources/swapped"),
        ("sha256", "0" * 64),
        ("size_bytes", 1),
    ],
)
def test_an_update_of_a_versions_number_or_file_is_refused_by_the_database(column, value):
    version = ResourceVersionFactory(file_url="https://example.com/v1.pdf")
    sql = f"UPDATE resources_resourceversion SET {column} = %s WHERE id = %s"  # noqa: S608
    assert "its number and file cannot change" in refused(sql, [value, db_id(version)])
    stored = ResourceVersion.objects.get(pk=version.pk)
    assert (stored.version_number, stored.file_url, stored.storage_key, stored.sha256) == (
        version.version_number,
        "https://example.com/v1.pdf",
        version.storage_key,
        version.sha256,
    )


def test_a_version_can_still_be_touched_and_deleted_with_its_resource():
    version = ResourceVersionFactory()
    sql = "UPDATE resources_resourceversion SET updated_at = %s WHERE id = %s"
    assert execute(sql, [version.updated_at, db_id(version)]) == 1
    Resource.all_objects.filter(pk=version.resource_id).delete()  # a queryset delete is a real one
    assert not ResourceVersion.objects.filter(pk=version.pk).exists()


def make_audit_row(actor=None) -> AuditLog:
    actor = actor or UserFactory()
    return audit_change(instance=actor, action=AuditLog.Action.UPDATE, actor=actor, before={"a": 1}, after={"a": 2})


def test_an_update_of_an_audit_row_is_refused_by_the_database():
    entry = make_audit_row()
    message = refused("UPDATE audit_auditlog SET after_state = %s WHERE id = %s", ['{"a": 3}', db_id(entry)])
    assert "append-only" in message
    assert AuditLog.objects.get(pk=entry.pk).after_state == {"a": 2}


def test_a_delete_of_an_audit_row_is_refused_by_the_database():
    entry = make_audit_row()
    assert "append-only" in refused("DELETE FROM audit_auditlog WHERE id = %s", [db_id(entry)])
    assert "append-only" in refused("DELETE FROM audit_auditlog", [])
    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_deleting_a_user_leaves_the_audit_rows_that_name_them_as_written():
    actor = UserFactory()
    entry = make_audit_row(actor)
    actor_id = actor.pk
    User.objects.filter(pk=actor_id).delete()  # no SET NULL: that would be an UPDATE of the rows
    stored = AuditLog.objects.select_related("actor").get(pk=entry.pk)
    assert stored.actor_id == actor_id and stored.actor is None
    assert (stored.before_state, stored.after_state) == ({"a": 1}, {"a": 2})


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_audit_table():
    make_audit_row()
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditLog.objects.exists()
    assert "append-only" in refused("DELETE FROM audit_auditlog WHERE id = %s", [db_id(make_audit_row())])
