"""Fixtures for the tests that call the WSGI application itself instead of Django's test Client."""

import pytest
from django.core import signals
from django.db import close_old_connections


@pytest.fixture
def wsgi_keeps_test_connection():
    """Calling the WSGI app fires request_started/finished, whose close_old_connections would
    close the connection holding the test's transaction; Django's test Client detaches it too."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
