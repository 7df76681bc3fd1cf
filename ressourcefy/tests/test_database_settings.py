"""DATABASE_URL, DATABASE_POOLER and DATABASE_LISTEN_URL as the settings read them."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connections

from ressourcefy.env import BASE_DIR
from users.models import User
from users.tests.factories import UserFactory

PRINT_DATABASES = """
import json
from django.conf import settings
default, listen = settings.DATABASES["default"], settings.DATABASES["listen"]
print(json.dumps({
    "server_side_cursors_off": default.get("DISABLE_SERVER_SIDE_CURSORS", False),
    "prepare_threshold": default["OPTIONS"].get("prepare_threshold", "unset"),
    "default": [default["HOST"], default["PORT"]],
    "listen": [listen["HOST"], listen["PORT"], listen["NAME"]],
}))
"""


def settings_with(**env: str) -> subprocess.CompletedProcess:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "DJANGO_"))}
    environment.update(DJANGO_ENV_FILE=os.devnull, DJANGO_DEBUG="1", DJANGO_SETTINGS_MODULE="ressourcefy.settings")
    return subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", f"import django; django.setup()\n{PRINT_DATABASES}"],
        cwd=BASE_DIR,
        env={**environment, **env},
        capture_output=True,
        text=True,
    )


def test_behind_a_transaction_pooler_nothing_outlives_a_transaction_and_listen_goes_direct():
    run = settings_with(
        DATABASE_URL="postgres://app@pgbouncer:6432/ressourcefy",
        DATABASE_POOLER="transaction",
        DATABASE_LISTEN_URL="postgres://worker@10.0.0.5:5432/ressourcefy",
    )
    assert json.loads(run.stdout) == {
        "server_side_cursors_off": True,
        "prepare_threshold": None,
        "default": ["pgbouncer", 6432],
        "listen": ["10.0.0.5", 5432, "ressourcefy"],
    }


def test_directly_connected_listen_uses_database_url():
    run = settings_with(DATABASE_URL="postgres://app@10.0.0.5:5432/ressourcefy")
    found = json.loads(run.stdout)
    assert (found["server_side_cursors_off"], found["listen"]) == (False, ["10.0.0.5", 5432, "ressourcefy"])


def test_an_unknown_pooler_mode_is_refused_at_start():
    run = settings_with(DATABASE_URL="postgres://app@pgbouncer:6432/ressourcefy", DATABASE_POOLER="session")
    assert run.returncode != 0
    assert 'DATABASE_POOLER must be "transaction" or unset' in run.stderr


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_iterating_a_query_in_chunks_outside_a_transaction_survives_another_client_meanwhile():
    """Through PgBouncer a named cursor declared in one session would be fetched from another."""
    UserFactory.create_batch(5)
    chunks = User.objects.order_by("email").iterator(chunk_size=2)
    first = next(chunks)
    other = connections.create_connection("default")
    try:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            cursor.execute("SELECT 1")  # takes the server session the iteration just used
        rest = list(chunks)
        other.rollback()
    finally:
        other.close()
    assert len([first, *rest]) == 5
