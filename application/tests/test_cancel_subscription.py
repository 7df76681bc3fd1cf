"""cancel_subscription called with a command: who has nothing to cancel, and asking twice."""

import pytest

from application.dto.billing import CancelSubscriptionCommand
from application.exceptions import NoActiveSubscription
from application.use_cases.cancel_subscription import cancel_subscription
from monetization.models import Subscription
from monetization.tests.factories import SubscriptionFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "subscription",
    [
        None,
        {"status": Subscription.Status.CANCELED},  # still open until its paid end, but renews no more
        {"status": Subscription.Status.EXPIRED, "paid_through": None},
        {"stripe_subscription_id": None},  # granted without Stripe: nothing there to cancel
    ],
    ids=["never subscribed", "canceled", "expired", "not a Stripe subscription"],
)
def test_nothing_renewing_is_nothing_to_cancel(subscription):
    user = UserFactory()
    if subscription is not None:
        SubscriptionFactory(user=user, **subscription)
    with pytest.raises(NoActiveSubscription):
        cancel_subscription(CancelSubscriptionCommand(user=user))


def test_asking_again_after_a_cancellation_answers_the_plan_without_calling_stripe(settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens: a call would fail
    subscription = SubscriptionFactory(cancel_at_period_end=True)
    summary = cancel_subscription(CancelSubscriptionCommand(user=subscription.user))
    assert summary.cancel_at_period_end and summary.has_premium
    assert summary.access_until == subscription.paid_through
