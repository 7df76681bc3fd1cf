"""The worker behind a transaction pooler: no session state left on pooled server sessions, and
its LISTEN on a direct connection of its own.

`.ci/run` runs the PostgreSQL suite a second time through PgBouncer (pool_mode=transaction,
DATABASE_POOLER=transaction, DATABASE_LISTEN_URL direct), where these run for real.
"""

import socket

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from core.models import OutboxEvent
from core.outbox import OutboxWorker, emit_event
from core.outbox.wakeup import Sleeper
from core.tests.outbox_fixtures import throwaway_handler

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _handler():
    with throwaway_handler("test.pooled", lambda event: None):
        yield


def run_one_event() -> list[str]:
    """Run a worker over one event in this thread; the SQL it sent on the default connection."""
    with transaction.atomic():
        emit_event("TEST", 1, "test.pooled", {})
    with CaptureQueriesContext(connection) as queries:
        OutboxWorker(worker_id="pooled", batch_size=10, interval=0.05, max_events=1).run()
    assert OutboxEvent.objects.get().status == OutboxEvent.Status.COMPLETED
    return [query["sql"] for query in queries.captured_queries]


def test_directly_connected_the_worker_turns_synchronous_commit_off_for_its_session(settings):
    if settings.DATABASE_POOLER:
        pytest.skip("through a real pooler the SET would stay behind on a pooled session")
    assert "SET synchronous_commit TO off" in run_one_event()


def test_behind_a_transaction_pooler_the_worker_sets_nothing_on_its_session(settings):
    settings.DATABASE_POOLER = "transaction"
    # A prepared statement run on the raw cursor is captured without its text (None).
    assert not [sql for sql in run_one_event() if (sql or "").upper().startswith("SET ")]


def test_after_a_worker_ran_other_clients_still_commit_synchronously():
    run_one_event()
    connection.close()
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            # Through PgBouncer this client is handed the session the worker just used.
            assert cursor.fetchone()[0] == "on"
    finally:
        other.close()


def test_the_listener_connects_to_the_listen_database_not_the_default_one(monkeypatch, caplog):
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    monkeypatch.setitem(connections["listen"].settings_dict, "HOST", "127.0.0.1")
    monkeypatch.setitem(connections["listen"].settings_dict, "PORT", str(closed_port))
    sleeper = Sleeper()
    try:
        assert not sleeper.listen()
    finally:
        sleeper.close()
    assert "outbox LISTEN unavailable, polling only" in caplog.text
    connection.ensure_connection()  # the default connection is fine: only the listener failed
