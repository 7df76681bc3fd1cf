from datetime import timedelta
from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings
from django.utils import timezone

from core.models import OutboxEvent

pytestmark = pytest.mark.django_db


def test_liveness_answers_ok(client):
    response = client.get("/health/live/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readiness_is_ok_with_a_reachable_database_and_no_backlog(client):
    response = client.get("/health/ready/")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_readiness_is_unavailable_when_the_database_cannot_be_reached(client):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError("down")):
        response = client.get("/health/ready/")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})


@override_settings(OUTBOX_BACKLOG_THRESHOLD=3, OUTBOX_BACKLOG_AGE_MINUTES=10)
def test_readiness_is_degraded_when_old_pending_events_exceed_the_threshold(client):
    old = timezone.now() - timedelta(minutes=11)
    events = OutboxEvent.objects.bulk_create(
        OutboxEvent(aggregate_type="T", aggregate_id=str(i), event_type="test.event") for i in range(4)
    )
    OutboxEvent.objects.filter(pk__in=[e.pk for e in events[:3]]).update(created_at=old)
    assert client.get("/health/ready/").status_code == 200  # three old ones: at the threshold, not over
    OutboxEvent.objects.filter(pk=events[3].pk).update(created_at=old)
    response = client.get("/health/ready/")
    assert (response.status_code, response.json()) == (503, {"status": "degraded"})


def test_api_reference_and_schema_are_served_without_a_cdn(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "redoc" in html.lower() and "cdn" not in html.lower() and "unpkg" not in html.lower()
    schema = client.get("/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
