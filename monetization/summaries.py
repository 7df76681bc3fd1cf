"""What a user's plan looks like from outside: one shape for reads and use cases alike."""

import datetime
from dataclasses import dataclass

from monetization.access import access_until, grants_premium
from monetization.models import Subscription


@dataclass(frozen=True, kw_only=True)
class SubscriptionSummary:
    plan: str
    status: str | None
    started_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    cancel_at_period_end: bool
    # What the access rule says, so no client re-implements it: premium is open until
    # `access_until` (exclusive), and `has_premium` is that rule read now.
    access_until: datetime.datetime | None
    has_premium: bool


# A user who never subscribed: the FREE plan, with no status.
FREE_PLAN = SubscriptionSummary(
    plan="FREE",
    status=None,
    started_at=None,
    ends_at=None,
    cancel_at_period_end=False,
    access_until=None,
    has_premium=False,
)


def summarize(subscription: Subscription | None, now: datetime.datetime | None = None) -> SubscriptionSummary:
    if subscription is None:
        return FREE_PLAN
    return SubscriptionSummary(
        plan=subscription.plan,
        status=subscription.status,
        started_at=subscription.started_at,
        ends_at=subscription.ends_at,
        cancel_at_period_end=subscription.cancel_at_period_end,
        access_until=access_until(subscription),
        has_premium=grants_premium(subscription, now),
    )
