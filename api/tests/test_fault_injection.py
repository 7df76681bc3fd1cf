"""The database going away never leaves half-written rows and always answers in the envelope."""

import pytest
from django.test import Client

from api.tests.faults import database_unreachable

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_readiness_reports_unavailable_when_the_database_is_unreachable():
    client = Client()
    with database_unreachable():
        response = client.get("/health/ready/")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
    assert client.get("/health/ready/").status_code == 200
