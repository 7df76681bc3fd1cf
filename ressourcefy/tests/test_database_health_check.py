"""The per-request health check: a quiet connection costs no round trip, a closed one is dropped and reopened."""

import time

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections

from users.models import User

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def round_trips(monkeypatch):
    """How many times Django's SELECT 1 check ran."""
    calls = []
    wrapper = connections["default"]
    original = wrapper.is_usable

    def counted():
        calls.append(1)
        return original()

    monkeypatch.setattr(wrapper, "is_usable", counted)
    return calls


def start_of_a_request():
    # What the request_started signal does to a persistent connection.
    connection.close_if_unusable_or_obsolete()
    connection.close_if_health_check_failed()


def test_a_healthy_idle_connection_is_kept_without_a_round_trip(round_trips):
    assert connection.settings_dict["CONN_HEALTH_CHECKS"]
    User.objects.count()
    opened = connection.connection

    start_of_a_request()

    assert connection.connection is opened
    assert round_trips == []


@pytest.mark.skipif(bool(settings.DATABASE_POOLER), reason="pooled: our socket is to the pooler")
def test_a_connection_the_server_closed_is_dropped_before_the_request_queries(round_trips):
    User.objects.count()
    pid = connection.connection.info.backend_pid
    settings = connection.get_connection_params()
    with psycopg.connect(
        dbname=settings["dbname"],
        user=settings.get("user"),
        host=settings.get("host"),
        port=settings.get("port"),
        autocommit=True,
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            time.sleep(0.01)
    time.sleep(0.05)  # the server's goodbye reaches the socket

    start_of_a_request()

    assert connection.connection is None
    assert round_trips == [1]
    assert User.objects.count() >= 0  # reconnects: no error reaches the request
    assert connection.connection.info.backend_pid != pid
