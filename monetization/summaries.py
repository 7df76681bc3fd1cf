"""What a user's plan looks like from outside: one shape for reads and use cases alike."""

import datetime
from dataclasses import dataclass

from monetization.models import Subscription


@dataclass(frozen=True, kw_only=True)
class SubscriptionSummary:
    plan: str
    status: str | None
    started_at: datetime.datetime | None
    ends_at: datetime.datetime | None
    cancel_at_period_end: bool


# A user who never subscribed: the FREE plan, with no status.
FREE_PLAN = SubscriptionSummary(plan="FREE", status=None, started_at=None, ends_at=None, cancel_at_period_end=False)


def summarize(subscription: Subscription | None) -> SubscriptionSummary:
    if subscription is None:
        return FREE_PLAN
    return SubscriptionSummary(
        plan=subscription.plan,
        status=subscription.status,
        started_at=subscription.started_at,
        ends_at=subscription.ends_at,
        cancel_at_period_end=subscription.cancel_at_period_end,
    )
