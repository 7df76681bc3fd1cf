"""`reconcile_lock`: one Stripe reconciliation at a time, directly connected or through PgBouncer.

`.ci/run` runs the PostgreSQL tests a second time through a transaction-pooling PgBouncer,
which hands each transaction to any server session: there a session-level lock would be taken
on one session and released (or not) on another.
"""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.db import connection, connections

from core.tests.outbox_subprocesses import WorkerDatabase
from monetization.services.reconcile_lock import ADVISORY_KEY, reconcile_lock

pytestmark = pytest.mark.django_db

HOLD_THE_LOCK = """
import time
from monetization.services.reconcile_lock import reconcile_lock
with reconcile_lock() as acquired:
    print("held" if acquired else "refused", flush=True)
    time.sleep(60)
"""


def advisory_locks_held() -> int:
    """Our key's advisory locks held by any session of the test database."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid::bigint = %s"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [ADVISORY_KEY],
        )
        return cursor.fetchone()[0]


def test_a_second_run_is_refused_while_the_first_holds_the_lock_and_allowed_after():
    with reconcile_lock() as first, reconcile_lock() as second:
        assert (first, second) == (True, False)
    with reconcile_lock() as third:
        assert third


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_lock_is_gone_after_a_run_during_which_another_client_was_in_a_transaction():
    other = connections.create_connection("default")  # a web request, say
    try:
        with reconcile_lock() as acquired:
            assert acquired
            other.set_autocommit(False)
            with other.cursor() as cursor:
                cursor.execute("SELECT 1")  # behind PgBouncer: holds a server session meanwhile
        other.rollback()
    finally:
        other.close()
    assert advisory_locks_held() == 0
    with reconcile_lock() as again:
        assert again


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_killed_with_sigkill_frees_the_lock_by_itself(tmp_path):
    database = WorkerDatabase(tmp_path)
    environment = {"DJANGO_SETTINGS_MODULE": "ressourcefy.test_settings", **database.environment}
    run = subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", f"import django; django.setup()\n{HOLD_THE_LOCK}"],
        cwd=settings.BASE_DIR,
        env={**os.environ, **environment},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert run.stdout.readline().strip() == "held"
        with reconcile_lock() as while_it_runs:
            assert not while_it_runs
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
    deadline = time.monotonic() + 10
    while advisory_locks_held() and time.monotonic() < deadline:
        time.sleep(0.05)  # the server notices the closed connection a moment later
    with reconcile_lock() as after:
        assert after
