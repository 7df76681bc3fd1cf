"""Writes arriving while another one holds its transaction open (PostgreSQL).

A subscriber's cancel while Stripe's end of the subscription is being applied: the cancel's
check runs again on the locked row, after Stripe answered. A dispute of a charge while its
invoice's payment is being recorded: the dispute waits for it, so it is applied (or ignored)
after the events parked before it, never parked behind a later one already applied.
"""

import pytest

from application.use_cases.handle_stripe_webhook import process_event
from core.models import OutboxEvent
from core.tests.lock_races import second_arrives_during_first
from monetization.models import ParkedChargeEvent, Payment, Subscription, WebhookEvent
from monetization.tests.billing_story import dispute_closed
from monetization.tests.factories import SubscriptionFactory
from monetization.tests.stripe_fixtures import (
    INVOICE_ID,
    PAYMENT_INTENT_ID,
    SUBSCRIPTION_ID,
    event_dict,
    live_subscription,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_cancel_arriving_as_stripe_ends_the_subscription_tells_the_user_once_that_it_ended(
    fake_stripe, user, user_client
):
    SubscriptionFactory(user=user, stripe_subscription_id=SUBSCRIPTION_ID)
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))
    ended_at_once = event_dict("customer_subscription_deleted")  # canceled now, as from Stripe's dashboard
    ended_at_once["data"]["object"]["cancel_at_period_end"] = False

    response = second_arrives_during_first(
        lambda: process_event(ended_at_once),
        lambda: user_client.post("/api/billing/subscription/cancel/"),
    )

    assert response.status_code == 200
    assert response.json()["data"]["status"] == "CANCELED"
    assert Subscription.objects.get(stripe_subscription_id=SUBSCRIPTION_ID).status == "CANCELED"
    announced = OutboxEvent.objects.filter(event_type="billing.subscription_canceled")
    assert [event.payload["effective"] for event in announced] == ["now"]


@pytest.mark.parametrize("failed_first", [False, True], ids=["no payment yet", "payment failed first"])
def test_a_dispute_opened_while_its_payment_is_recorded_is_ignored_after_the_closing_parked_before(
    fake_stripe, user, failed_first
):
    SubscriptionFactory(user=user, stripe_subscription_id=SUBSCRIPTION_ID)
    fake_stripe.state.invoice_payments[PAYMENT_INTENT_ID] = INVOICE_ID
    if failed_first:
        process_event(event_dict("invoice_payment_failed", user.pk))
    won = dispute_closed("won")(user.pk)
    process_event(won)  # Stripe's closing came first: it waits for the payment
    opened = event_dict("charge_dispute_created", user.pk)

    second_arrives_during_first(
        lambda: process_event(event_dict("invoice_paid", user.pk)),
        lambda: process_event(opened),
    )

    # As if delivered after the payment: the closing applied when it was paid, the older opening ignored.
    payment = Payment.objects.get(stripe_invoice_id=INVOICE_ID)
    assert (payment.status, payment.dispute_status) == ("COMPLETED", "won")
    assert WebhookEvent.objects.get(stripe_id=opened["id"]).status == "IGNORED"
    assert list(ParkedChargeEvent.objects.values_list("stripe_event_id", flat=True)) == [won["id"]]
    disputes = OutboxEvent.objects.filter(event_type__startswith="billing.dispute")
    assert [(event.event_type, event.payload["dispute_status"]) for event in disputes] == [
        ("billing.dispute_closed", "won")
    ]
