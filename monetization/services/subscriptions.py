"""Subscription state: synced from Stripe, never moved backwards by an older event."""

import datetime

from django.utils import timezone

from audit.models import AuditLog
from core.outbox import emit_event
from core.services.audit import audit_change
from core.transactions import require_transaction
from monetization import events
from monetization.access import COVERAGE_BY_STATUS, Coverage, access_until, grants_premium, premium_filter
from monetization.models import Payment, Subscription
from monetization.services.outcomes import PROCESSED, Outcome, ignored
from monetization.services.stripe_payloads import from_unix, subscription_period, subscription_price_id

# Each Stripe status as itself; what it grants is `monetization.access.COVERAGE_BY_STATUS`.
# A status Stripe adds later keeps the local one (and is logged by the caller's audit trail).
STATUS_FROM_STRIPE = {
    "active": Subscription.Status.ACTIVE,
    "trialing": Subscription.Status.TRIALING,
    "past_due": Subscription.Status.PAST_DUE,
    "canceled": Subscription.Status.CANCELED,
    "unpaid": Subscription.Status.UNPAID,
    "incomplete": Subscription.Status.INCOMPLETE,
    "incomplete_expired": Subscription.Status.INCOMPLETE_EXPIRED,
    "paused": Subscription.Status.PAUSED,
}
# Statuses that still renew: Stripe charges (or retries) the next period.
RENEWING_STATUSES = [
    status for status, coverage in COVERAGE_BY_STATUS.items() if coverage in (Coverage.RENEWING, Coverage.TRIAL)
]
# Statuses a paid invoice settles: the subscription is ACTIVE again.
SETTLED_BY_PAYMENT = (
    Subscription.Status.PAST_DUE,
    Subscription.Status.UNPAID,
    Subscription.Status.INCOMPLETE,
    Subscription.Status.EXPIRED,
)
_AUDITED_FIELDS = (
    "plan",
    "status",
    "started_at",
    "current_period_start",
    "ends_at",
    "paid_through",
    "paid_period_revoked",
    "trial_end",
    "canceled_at",
    "ended_at",
    "cancel_at_period_end",
    "stripe_price_id",
)


def snapshot(subscription: Subscription | None) -> dict | None:
    if subscription is None or subscription.pk is None:
        return None
    state = {}
    for name in _AUDITED_FIELDS:
        value = getattr(subscription, name)
        state[name] = value.isoformat() if isinstance(value, datetime.datetime) else value
    return state


def has_ended(subscription: Subscription) -> bool:
    """Stripe ended it (`customer.subscription.deleted`): no later event revives it.

    EXPIRED is only our clock's opinion; a newer paid period from Stripe may revive that row.
    """
    return subscription.status == Subscription.Status.CANCELED and subscription.ended_at is not None


def is_stale(subscription: Subscription, event_created: datetime.datetime | None) -> bool:
    last = subscription.last_stripe_event_created
    return event_created is not None and last is not None and event_created < last


def mark_event_applied(subscription: Subscription, event_created: datetime.datetime | None) -> None:
    if event_created is not None and (
        subscription.last_stripe_event_created is None or event_created > subscription.last_stripe_event_created
    ):
        subscription.last_stripe_event_created = event_created


def lock_by_stripe_id(stripe_subscription_id: str | None) -> Subscription | None:
    if not stripe_subscription_id:
        return None
    return Subscription.objects.select_for_update().filter(stripe_subscription_id=stripe_subscription_id).first()


def apply_stripe_subscription(subscription: Subscription, data: dict) -> None:
    """Copy what we keep of a Stripe subscription object (status, period, cancellation, price), in memory."""
    period_start, period_end = subscription_period(data)
    status = STATUS_FROM_STRIPE.get(data.get("status") or "")
    if status is not None:
        subscription.status = status
    subscription.cancel_at_period_end = bool(data.get("cancel_at_period_end"))
    if period_start is not None:
        subscription.current_period_start = period_start
    if period_end is not None:
        subscription.ends_at = period_end
    subscription.canceled_at = from_unix(data.get("canceled_at"))
    subscription.ended_at = from_unix(data.get("ended_at"))
    subscription.trial_end = from_unix(data.get("trial_end"))
    subscription.stripe_price_id = subscription_price_id(data) or subscription.stripe_price_id
    if data.get("customer"):
        subscription.stripe_customer_id = (
            data["customer"] if isinstance(data["customer"], str) else data["customer"]["id"]
        )


def sync_from_stripe_event(*, data: dict, event_created: datetime.datetime, deleted: bool) -> Outcome:
    """`customer.subscription.updated` / `.deleted`."""
    require_transaction()
    subscription = lock_by_stripe_id(data.get("id"))
    if subscription is None:
        return ignored("unknown subscription")
    if is_stale(subscription, event_created):
        return ignored("older than the last event applied to this subscription")
    if has_ended(subscription) and not deleted:
        return ignored("subscription already ended")
    before = snapshot(subscription)
    # Already told the user (canceled) or already expired by our clock: no second mail.
    was_canceled = subscription.status in (Subscription.Status.CANCELED, Subscription.Status.EXPIRED)
    was_cancel_at_period_end = subscription.cancel_at_period_end
    _apply_synced_state(subscription, data, deleted=deleted)
    mark_event_applied(subscription, event_created)
    subscription.save()
    audit_change(instance=subscription, action=AuditLog.Action.UPDATE, before=before, after=snapshot(subscription))
    if subscription.status == Subscription.Status.CANCELED and not was_canceled:
        _emit_canceled(subscription, effective="now")
    elif subscription.cancel_at_period_end and not was_cancel_at_period_end:
        _emit_canceled(subscription, effective="period_end")
    return PROCESSED


def _apply_synced_state(subscription: Subscription, data: dict, *, deleted: bool) -> None:
    was_expired = subscription.status == Subscription.Status.EXPIRED
    apply_stripe_subscription(subscription, data)
    if was_expired and subscription.status in RENEWING_STATUSES:
        # Stripe still retries, but our clock closed the paid period: only a payment reopens it.
        subscription.status = Subscription.Status.EXPIRED
    if deleted:
        subscription.status = Subscription.Status.CANCELED
        subscription.ended_at = subscription.ended_at or from_unix(data.get("ended_at")) or timezone.now()
        subscription.ends_at = subscription.ended_at


def unfinished_stripe_subscription_ids() -> list[str]:
    """Local subscriptions Stripe may still change: every one it has not ended (what reconciliation checks)."""
    return list(
        Subscription.objects.filter(stripe_subscription_id__isnull=False)
        .exclude(status=Subscription.Status.CANCELED, ended_at__isnull=False)
        .exclude(status=Subscription.Status.INCOMPLETE_EXPIRED)
        .order_by("created_at")
        .values_list("stripe_subscription_id", flat=True)
    )


def differs_from_stripe(data: dict) -> bool:
    """Would applying Stripe's current subscription object change ours? (Reads, locks nothing.)"""
    subscription = Subscription.objects.filter(stripe_subscription_id=data.get("id")).first()
    if subscription is None or has_ended(subscription):
        return False
    before = snapshot(subscription)
    _apply_synced_state(subscription, data, deleted=data.get("status") == "canceled")
    return snapshot(subscription) != before


def repair_from_stripe(data: dict) -> bool:
    """Apply Stripe's current subscription object where ours differs, as its event would have (audited).

    True when something changed. Stripe's object is the latest truth, so the last-event guard
    does not apply.
    """
    require_transaction()
    subscription = lock_by_stripe_id(data.get("id"))
    if subscription is None or not differs_from_stripe(data):
        return False
    outcome = sync_from_stripe_event(data=data, event_created=None, deleted=data.get("status") == "canceled")
    return outcome is PROCESSED


def mark_cancel_at_period_end(*, subscription: Subscription, data: dict, actor) -> Subscription:
    """Record what Stripe answered to our cancel-at-period-end request.

    Precondition: the caller holds the row lock and has found the subscription not ended.
    """
    require_transaction()
    before = snapshot(subscription)
    was_cancel_at_period_end = subscription.cancel_at_period_end
    apply_stripe_subscription(subscription, data)
    subscription.cancel_at_period_end = True
    subscription.save()
    audit_change(
        instance=subscription,
        action=AuditLog.Action.UPDATE,
        actor=actor,
        before=before,
        after=snapshot(subscription),
    )
    if not was_cancel_at_period_end:
        _emit_canceled(subscription, effective="period_end")
    return subscription


def _emit_canceled(subscription: Subscription, *, effective: str) -> None:
    emit_event(
        events.SUBSCRIPTION,
        subscription.pk,
        events.SUBSCRIPTION_CANCELED,
        {
            "subscription_id": str(subscription.pk),
            "user_id": str(subscription.user_id),
            "effective": effective,
            "ends_at": subscription.ends_at.isoformat() if subscription.ends_at else None,
        },
    )


def cancellable_subscription(user) -> Subscription | None:
    """The user's live Stripe subscription that still renews."""
    return (
        Subscription.objects.granting_premium()
        .filter(user=user, status__in=RENEWING_STATUSES)
        .exclude(stripe_subscription_id=None)
        .order_by("-created_at")
        .first()
    )


def refresh_paid_coverage(subscription: Subscription) -> None:
    """Move `paid_through` to the latest period a payment paid, and say whether that payment still counts.

    Caller holds the subscription's row lock and saves it. Recomputed from the Payment rows,
    so the order in which payments, refunds and disputes arrived does not matter.
    """
    latest = (
        Payment.objects.filter(
            subscription=subscription,
            status__in=[Payment.Status.COMPLETED, Payment.Status.REFUNDED],
            period_end__isnull=False,
        )
        .order_by("-period_end", "-created_at")
        .first()
    )
    if latest is None:
        return
    if subscription.paid_through is None or latest.period_end >= subscription.paid_through:
        subscription.paid_through = latest.period_end
        subscription.paid_period_revoked = not latest.in_good_standing


def save_audited(subscription: Subscription, before: dict | None, *, actor=None) -> None:
    subscription.save()
    audit_change(
        instance=subscription, action=AuditLog.Action.UPDATE, actor=actor, before=before, after=snapshot(subscription)
    )


def expire_lapsed_batch(*, now: datetime.datetime, batch_size: int) -> int:
    """Up to `batch_size` renewing premium rows the access rule no longer opens become EXPIRED
    (`billing.subscription_expired`); returns how many. Rows another transaction holds are
    skipped (SKIP LOCKED): a later run takes them."""
    require_transaction()
    lapsed = (
        Subscription.objects.select_for_update(skip_locked=True)
        .filter(plan=Subscription.Plan.PREMIUM, status__in=RENEWING_STATUSES)
        .exclude(premium_filter(now))
        .order_by("paid_through", "created_at")[:batch_size]
    )
    batch = list(lapsed)
    for subscription in batch:
        before = snapshot(subscription)
        subscription.status = Subscription.Status.EXPIRED
        subscription.ended_at = subscription.ended_at or access_until(subscription) or now
        subscription.save(update_fields=["status", "ended_at", "updated_at"])
        audit_change(instance=subscription, action=AuditLog.Action.UPDATE, before=before, after=snapshot(subscription))
        emit_event(
            events.SUBSCRIPTION,
            subscription.pk,
            events.SUBSCRIPTION_EXPIRED,
            {"subscription_id": str(subscription.pk), "user_id": str(subscription.user_id)},
        )
    return len(batch)


def pick_current(rows: list[Subscription], now: datetime.datetime | None = None) -> Subscription | None:
    """The row that describes the user's plan: one granting premium (latest access), else the newest."""
    if not rows:
        return None
    granting = [row for row in rows if grants_premium(row, now)]
    if granting:
        return max(granting, key=lambda row: (access_until(row), row.created_at))
    return max(rows, key=lambda row: row.created_at)


def current_subscription(user) -> Subscription | None:
    return pick_current(list(Subscription.objects.filter(user=user)))
