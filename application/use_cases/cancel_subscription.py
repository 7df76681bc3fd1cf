"""POST /api/billing/subscription/cancel/: cancel at period end through Stripe; access lasts until then."""

from application.adapters import stripe_service
from application.dto.billing import CancelSubscriptionCommand
from application.exceptions import NoActiveSubscription
from monetization.services import subscriptions
from monetization.summaries import SubscriptionSummary, summarize


def cancel_subscription(command: CancelSubscriptionCommand) -> SubscriptionSummary:
    subscription = subscriptions.cancellable_subscription(command.user)
    if subscription is None:
        raise NoActiveSubscription()
    if subscription.cancel_at_period_end:
        return summarize(subscription)  # asking twice changes nothing
    stripe_subscription = stripe_service.cancel_subscription_at_period_end(subscription.stripe_subscription_id)
    subscription = subscriptions.mark_cancel_at_period_end(
        subscription_id=subscription.pk, data=stripe_subscription, actor=command.user
    )
    return summarize(subscription)
