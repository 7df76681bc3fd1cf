"""Concurrent duplicate deliveries on PostgreSQL: one effect, however many arrive at once."""

import pytest
from rest_framework.test import APIClient

from core.models import OutboxEvent
from core.tests.at_once import at_once
from monetization.models import Payment, PaymentIntentRecord, Subscription, WebhookEvent
from monetization.tests.conftest import deliver
from monetization.tests.stripe_fixtures import SESSION_ID, event_dict, live_subscription

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_concurrent_deliveries_of_one_checkout_event_have_one_effect(fake_stripe, user):
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))

    statuses = at_once(20, lambda _: deliver(APIClient(), "checkout_session_completed", user_id=user.pk).status_code)

    assert statuses == [200] * 20
    assert Payment.objects.count() == 1
    assert Subscription.objects.filter(status="ACTIVE", plan="PREMIUM").count() == 1
    assert sorted(OutboxEvent.objects.values_list("event_type", flat=True)) == [
        "billing.payment_completed",
        "billing.subscription_activated",
    ]
    assert list(WebhookEvent.objects.values_list("status", flat=True)) == ["PROCESSED"]


def test_confirm_and_webhook_racing_fulfil_once(fake_stripe, user):
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))
    fake_stripe.state.sessions[SESSION_ID] = event_dict("checkout_session_completed", user.pk)["data"]["object"]

    def confirm_or_deliver(index: int) -> int:
        if index % 2:
            return deliver(APIClient(), "checkout_session_completed", user_id=user.pk).status_code
        client = APIClient()
        client.force_authenticate(user)
        return client.post("/api/billing/checkout/confirm/", {"session_id": SESSION_ID}, format="json").status_code

    statuses = at_once(10, confirm_or_deliver)

    assert statuses == [200] * 10
    assert Payment.objects.count() == 1
    assert Subscription.objects.filter(status="ACTIVE").count() == 1
    assert OutboxEvent.objects.filter(event_type="billing.payment_completed").count() == 1
