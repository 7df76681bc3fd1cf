"""A subscriber's cancel arriving while Stripe's end of the subscription is being applied: the
cancel's check runs again on the locked row, after Stripe answered (PostgreSQL)."""

import pytest

from application.use_cases.handle_stripe_webhook import process_event
from core.models import OutboxEvent
from core.tests.lock_races import second_arrives_during_first
from monetization.models import Subscription
from monetization.tests.factories import SubscriptionFactory
from monetization.tests.stripe_fixtures import SUBSCRIPTION_ID, event_dict, live_subscription

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
