"""Admin: billing money and Stripe deliveries are read-only; FAILED deliveries can be reprocessed."""

import pytest
from django.urls import reverse

from audit.models import AuditLog
from monetization.models import Payment, PaymentIntentRecord, WebhookEvent
from monetization.tests.stripe_fixtures import SESSION_ID, event_dict, live_subscription
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_reprocessing_a_failed_event_applies_it(fake_stripe, user, admin_client):
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))
    payload = event_dict("checkout_session_completed", user.pk)
    failed = WebhookEvent.objects.create(
        stripe_id=payload["id"], event_type=payload["type"], payload=payload, status="FAILED", error_message="boom"
    )

    response = admin_client.post(
        reverse("admin:monetization_webhookevent_changelist"),
        {"action": "reprocess_failed_events", "_selected_action": [str(failed.pk)]},
    )

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "PROCESSED"
    assert Payment.objects.count() == 1
    (entry,) = AuditLog.objects.filter(object_id=str(failed.pk))
    assert entry.actor is not None and entry.actor.is_staff
    assert (entry.before_state["status"], entry.after_state["status"]) == ("FAILED", "PROCESSED")


def test_webhook_events_and_payments_cannot_be_edited_in_the_admin(admin_client):
    event = WebhookEvent.objects.create(stripe_id="evt_1", event_type="x", payload={}, status="IGNORED")

    response = admin_client.post(
        reverse("admin:monetization_webhookevent_change", args=[event.pk]), {"status": "PROCESSED"}
    )

    assert response.status_code == 403
    assert admin_client.get(reverse("admin:monetization_payment_add")).status_code == 403
    event.refresh_from_db()
    assert event.status == "IGNORED"
