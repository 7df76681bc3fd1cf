"""Suite-wide fixtures and the PostgreSQL marker."""

import os

import pytest
from django.db import connection
from rest_framework.test import APIClient

# Processes the tests start (manage.py, the worker) never read a developer's .env.
os.environ.setdefault("DJANGO_ENV_FILE", os.devnull)


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    if on_postgres:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's, plus: behind a pooler, end its server sessions before the drop.

    A transaction pooler keeps idle server sessions open on the test database after the tests
    close theirs, and PostgreSQL refuses to drop a database in use.
    """
    yield
    from django.conf import settings

    if not settings.DATABASE_POOLER or connection.vendor != "postgresql":
        return
    from core.outbox.wakeup import connect_direct

    test_database = connection.settings_dict["NAME"]
    with django_db_blocker.unblock(), connect_direct(dbname="postgres") as direct:
        direct.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [test_database],
        )


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and cached reads never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def fake_stripe():
    """The Stripe simulator; the real SDK talks to it through STRIPE_API_BASE.

    Its webhooks wait until a test sends them (`fake_stripe.deliver_pending(sender)`).
    """
    from django.conf import settings
    from django.test import override_settings

    from operations.stripe_sim import StripeSimulator

    server = StripeSimulator(webhook_secret=settings.STRIPE_WEBHOOK_SECRET).start()
    with override_settings(STRIPE_API_BASE=server.url, STRIPE_MAX_NETWORK_RETRIES=0, STRIPE_TIMEOUT_SECONDS=2):
        yield server
    server.stop()


@pytest.fixture(autouse=True)
def _resource_storage(settings, tmp_path_factory):
    """Hosted files go to a fresh folder per test, never into the checkout's media/."""
    location = tmp_path_factory.mktemp("resource-files")
    settings.STORAGES = {
        **settings.STORAGES,
        "resources": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


@pytest.fixture
def database_for_threads(transactional_db, tmp_path):
    """A database on which threads writing at once wait their turn, as in production.

    PostgreSQL does so. The SQLite test database lives in memory in shared-cache mode, where
    a second writer fails at once ("database table is locked") instead of waiting as it does
    on a file: for the test every connection opens a file copy, copied back at the end.
    """
    if connection.vendor != "sqlite":
        yield
        return
    import sqlite3
    from contextlib import closing

    path = tmp_path / "threads.sqlite3"
    connection.ensure_connection()
    memory = connection.connection
    with closing(sqlite3.connect(path)) as copy:
        memory.backup(copy)
    name = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = str(path)  # the dict every thread's connection is made from
    connection.connection = None  # this thread's next query opens the file too
    try:
        yield
    finally:
        connection.close()
        with closing(sqlite3.connect(path)) as copy:
            copy.backup(memory)
        connection.settings_dict["NAME"] = name
        connection.connection = memory
