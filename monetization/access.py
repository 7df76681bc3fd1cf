"""Who holds premium and who may open a resource's files: the one rule, for every caller.

Access follows what was paid (`Subscription.paid_through`), never Stripe's current period
alone. The rule is stated once as a table (`COVERAGE_BY_STATUS`) and read two ways: in
Python for a row already loaded (`access_until`) and in SQL for querysets
(`premium_filter`); `monetization/tests/test_access_rule.py` proves they agree.
"""

import datetime
import enum

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from monetization.models import Subscription
from resources.models import Visibility

Status = Subscription.Status


class Coverage(enum.Enum):
    RENEWING = "paid period, plus the renewal grace unless it is set to cancel"
    TRIAL = "trial_end while nothing was paid, then as RENEWING"
    ENDED = "paid period, cut at Stripe's ended_at, no grace"
    NONE = "no access"


COVERAGE_BY_STATUS: dict[str, Coverage] = {
    Status.ACTIVE: Coverage.RENEWING,
    Status.PAST_DUE: Coverage.RENEWING,
    Status.TRIALING: Coverage.TRIAL,
    Status.CANCELED: Coverage.ENDED,
    Status.UNPAID: Coverage.NONE,
    Status.INCOMPLETE: Coverage.NONE,
    Status.INCOMPLETE_EXPIRED: Coverage.NONE,
    Status.PAUSED: Coverage.NONE,
    Status.EXPIRED: Coverage.NONE,
}
if set(COVERAGE_BY_STATUS) != set(Status):  # a new status must be placed in the table on purpose
    raise RuntimeError("monetization.access: every Subscription.Status needs a coverage")


def _statuses(*coverages: Coverage) -> list[str]:
    return [status for status, coverage in COVERAGE_BY_STATUS.items() if coverage in coverages]


def renewal_grace() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.BILLING_RENEWAL_GRACE_HOURS)


def access_until(subscription: Subscription) -> datetime.datetime | None:
    """The moment premium closes for this row (exclusive), or None when it grants nothing."""
    if subscription.plan != Subscription.Plan.PREMIUM:
        return None
    coverage = COVERAGE_BY_STATUS[subscription.status]
    if coverage is Coverage.TRIAL and subscription.paid_through is None:
        return subscription.trial_end
    paid = None if subscription.paid_period_revoked else subscription.paid_through
    if paid is None or coverage is Coverage.NONE:
        return None
    if coverage is Coverage.ENDED:
        return min(paid, subscription.ended_at) if subscription.ended_at else paid
    return paid if subscription.cancel_at_period_end else paid + renewal_grace()


def grants_premium(subscription: Subscription, now: datetime.datetime | None = None) -> bool:
    until = access_until(subscription)
    return until is not None and (now or timezone.now()) < until


def premium_filter(now: datetime.datetime) -> Q:
    """`grants_premium(row, now)` as a filter: the same table, read by the database."""
    paid = Q(paid_period_revoked=False, paid_through__isnull=False)
    renewing = (
        Q(status__in=_statuses(Coverage.RENEWING, Coverage.TRIAL))
        & paid
        & (
            Q(cancel_at_period_end=True, paid_through__gt=now)
            | Q(cancel_at_period_end=False, paid_through__gt=now - renewal_grace())
        )
    )
    ended = (
        Q(status__in=_statuses(Coverage.ENDED))
        & paid
        & Q(paid_through__gt=now)
        & (Q(ended_at__isnull=True) | Q(ended_at__gt=now))
    )
    return Q(plan=Subscription.Plan.PREMIUM) & (renewing | unpaid_trial_filter(now) | ended)


def unpaid_trial_filter(now: datetime.datetime) -> Q:
    """The part of `premium_filter` that rests on no payment: a trial running with nothing paid."""
    return Q(status__in=_statuses(Coverage.TRIAL), paid_through__isnull=True, trial_end__gt=now)


def holds_premium(user, now: datetime.datetime | None = None) -> bool:
    """The user has a subscription granting premium at `now` (default: this moment)."""
    if user is None or not user.is_authenticated:
        return False
    return Subscription.objects.granting_premium(now).filter(user_id=user.pk).exists()


def may_open_files(viewer, *, author_id, visibility: str) -> bool:
    """Public to all, the author always, premium to premium holders; private to no one else.

    Precondition: the resource is not deleted. Costs a query only for a premium resource
    opened by a signed-in non-author.
    """
    if visibility == Visibility.PUBLIC:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    if author_id == viewer.pk:
        return True
    return visibility == Visibility.PREMIUM and holds_premium(viewer)
