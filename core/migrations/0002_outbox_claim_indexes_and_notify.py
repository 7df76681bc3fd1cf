from django.db import migrations, models

# A row that becomes PENDING wakes idle workers (LISTEN core_outbox) when its transaction
# commits; PostgreSQL folds identical notifications of one transaction into one.
CREATE_NOTIFY_TRIGGER = [
    """
CREATE OR REPLACE FUNCTION core_outbox_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('core_outbox', '');
    RETURN NULL;
END;
$$ LANGUAGE plpgsql
""",
    """
CREATE TRIGGER core_outbox_notify
AFTER INSERT OR UPDATE OF status ON core_outboxevent
FOR EACH ROW WHEN (NEW.status = 'PENDING')
EXECUTE FUNCTION core_outbox_notify()
""",
]

DROP_NOTIFY_TRIGGER = [
    "DROP TRIGGER IF EXISTS core_outbox_notify ON core_outboxevent",
    "DROP FUNCTION IF EXISTS core_outbox_notify()",
]


def create_notify_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE_NOTIFY_TRIGGER:
            schema_editor.execute(statement, params=None)


def drop_notify_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP_NOTIFY_TRIGGER:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='outboxevent',
            name='outbox_due_idx',
        ),
        migrations.RemoveIndex(
            model_name='outboxevent',
            name='outbox_lease_idx',
        ),
        migrations.AddIndex(
            model_name='outboxevent',
            index=models.Index(condition=models.Q(('status__in', ['PENDING', 'PROCESSING'])), fields=['next_retry_at'], name='outbox_claimable_idx'),
        ),
        migrations.AddIndex(
            model_name='outboxevent',
            index=models.Index(condition=models.Q(('status__in', ['PENDING', 'PROCESSING'])), fields=['aggregate_type', 'aggregate_id', 'created_at'], name='outbox_aggregate_active_idx'),
        ),
        migrations.RunPython(create_notify_trigger, drop_notify_trigger, elidable=False),
    ]
