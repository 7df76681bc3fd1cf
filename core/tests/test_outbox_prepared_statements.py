"""The worker's claim and completion are planned once per connection, except behind a transaction pooler."""

import pytest
from django.conf import settings
from django.db import OperationalError, connection

from core.models import OutboxEvent
from core.outbox import process_outbox
from core.tests.outbox_fixtures import emit_numbered, throwaway_handler

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def due_events():
    with throwaway_handler("test.prepared", lambda event: None):
        emit_numbered(3, event_type="test.prepared")
        connection.close()  # a fresh connection, as a worker process starts with
        yield
    connection.close()


def prepared_statements() -> list[str]:
    """The statements this session has prepared on the server (the view PostgreSQL keeps per session)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [" ".join(statement.split()) for (statement,) in cursor.fetchall()]


@pytest.mark.skipif(bool(settings.DATABASE_POOLER), reason="pooled: nothing is prepared")
def test_a_worker_connection_prepares_its_claim_and_its_completion(due_events):
    assert process_outbox(limit=2, worker_id="w") == 2
    assert process_outbox(limit=2, worker_id="w") == 1

    statements = prepared_statements()
    assert len(statements) == 2  # both batches ran the same two prepared statements
    assert any(statement.startswith("WITH due AS") for statement in statements)
    assert any("SET status = 'COMPLETED'" in statement for statement in statements)
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count() == 3


def test_behind_a_transaction_pooler_the_worker_prepares_nothing(due_events, monkeypatch):
    # Statements prepared on one server connection would be missing on the next one the pooler hands out.
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)

    assert process_outbox(limit=10, worker_id="w") == 3

    assert prepared_statements() == []
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count() == 3


def test_a_wrapper_watching_the_connection_sees_the_claim_and_the_completion(due_events):
    seen: list[str] = []

    def record(execute, sql, params, many, context):
        seen.append(sql.split()[0])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert process_outbox(limit=10, worker_id="w") == 3

    assert seen == ["WITH", "UPDATE"]


def test_a_lost_connection_fails_the_claim_with_djangos_error_and_the_next_connection_works(due_events):
    process_outbox(limit=1, worker_id="w")  # the connection now holds its prepared cursor
    connection.connection.close()  # the server went away under it

    with pytest.raises(OperationalError):  # what the worker loop catches to reconnect
        process_outbox(limit=1, worker_id="w")

    connection.close()  # what the worker loop does on a database error
    assert process_outbox(limit=10, worker_id="w") == 2
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count() == 3
