"""POST /api/billing/subscription/cancel/: cancel at period end through Stripe; access lasts until then."""

from django.db import transaction

from application.adapters import stripe_service
from application.dto.billing import CancelSubscriptionCommand
from application.exceptions import NoActiveSubscription
from monetization.services import subscriptions
from monetization.summaries import SubscriptionSummary, summarize


def cancel_subscription(command: CancelSubscriptionCommand) -> SubscriptionSummary:
    """Stripe is asked outside any transaction; its answer is applied under the row lock, after
    checking again: a subscription Stripe ended meanwhile keeps its end (whose event told the user)."""
    subscription = subscriptions.cancellable_subscription(command.user)
    if subscription is None:
        raise NoActiveSubscription()
    if subscription.cancel_at_period_end:
        return summarize(subscription)  # asking twice changes nothing
    stripe_subscription = stripe_service.cancel_subscription_at_period_end(subscription.stripe_subscription_id)
    with transaction.atomic():
        subscription = subscriptions.lock_by_stripe_id(subscription.stripe_subscription_id)
        if not subscriptions.has_ended(subscription):
            subscription = subscriptions.mark_cancel_at_period_end(
                subscription=subscription, data=stripe_subscription, actor=command.user
            )
    return summarize(subscription)
