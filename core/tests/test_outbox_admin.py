"""The outbox admin: read events, filter them, and re-queue FAILED ones."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditLog
from core.models import OutboxEvent
from core.outbox import emit_event

pytestmark = pytest.mark.django_db


def make_event(status: str, **fields) -> OutboxEvent:
    with transaction.atomic():
        event = emit_event("PAYMENT", "p-1", "billing.payment_failed", {"amount_cents": 990})
    OutboxEvent.objects.filter(pk=event.pk).update(status=status, **fields)
    event.refresh_from_db()
    return event


def test_retry_failed_puts_failed_events_back_to_pending_with_a_fresh_retry_budget(admin_client):
    failed = make_event(OutboxEvent.Status.FAILED, retry_count=5, error_message="SMTPError: 550")
    completed = make_event(OutboxEvent.Status.COMPLETED)
    before = timezone.now()
    response = admin_client.post(
        reverse("admin:core_outboxevent_changelist"),
        {"action": "retry_failed", "_selected_action": [str(failed.pk), str(completed.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    assert "1 FAILED event(s) re-queued. 1 selected event(s) were not FAILED" in response.content.decode()
    failed.refresh_from_db()
    completed.refresh_from_db()
    assert failed.status == OutboxEvent.Status.PENDING and failed.retry_count == 0
    assert before <= failed.next_retry_at <= timezone.now()
    assert completed.status == OutboxEvent.Status.COMPLETED
    (entry,) = AuditLog.objects.filter(object_id=str(failed.pk))
    assert entry.actor is not None and entry.actor.is_staff
    assert (entry.before_state["status"], entry.after_state["status"]) == ("FAILED", "PENDING")


def test_event_page_shows_the_payload_and_the_last_error_read_only(admin_client):
    event = make_event(OutboxEvent.Status.FAILED, error_message="SMTPError: <550> mailbox unavailable")
    response = admin_client.get(reverse("admin:core_outboxevent_change", args=[event.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "&quot;amount_cents&quot;: 990" in body
    assert "SMTPError: &lt;550&gt; mailbox unavailable" in body
    assert 'name="status"' not in body  # nothing is editable


def test_changelist_filters_by_status_and_type(admin_client):
    make_event(OutboxEvent.Status.FAILED)
    make_event(OutboxEvent.Status.COMPLETED)
    filters = {"status__exact": "FAILED", "event_type": "billing.payment_failed"}
    response = admin_client.get(reverse("admin:core_outboxevent_changelist"), filters)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1
