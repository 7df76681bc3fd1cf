"""Pieces the billing use cases share."""

from application.dto.billing import SubscriptionState

FREE = SubscriptionState(plan="FREE", status=None, started_at=None, ends_at=None, cancel_at_period_end=False)


def subscription_state(subscription) -> SubscriptionState:
    if subscription is None:
        return FREE
    return SubscriptionState(
        plan=subscription.plan,
        status=subscription.status,
        started_at=subscription.started_at,
        ends_at=subscription.ends_at,
        cancel_at_period_end=subscription.cancel_at_period_end,
    )
