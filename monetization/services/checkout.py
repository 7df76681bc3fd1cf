"""Checkout sessions: the record we keep of each, and the one fulfilment both paths share."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditLog
from core.outbox import emit_event
from core.services.audit import audit_change
from core.transactions import require_transaction
from monetization import events
from monetization.models import Payment, PaymentIntentRecord, Subscription
from monetization.services import charges, subscriptions
from monetization.services.customers import remember_stripe_customer
from monetization.services.outcomes import PROCESSED, Outcome, ignored
from monetization.services.payment_records import announce_completed, record_payment
from monetization.services.stripe_payloads import from_unix, object_id, session_user_id, subscription_period

PAID_SESSION_STATUSES = ("paid", "no_payment_required")


@dataclass(frozen=True)
class Fulfilment:
    subscription: Subscription | None
    fulfilled_now: bool
    reason: str = ""


def record_checkout_session(*, user, session_id: str, price_id: str, metadata: dict) -> PaymentIntentRecord:
    """Keep the session we sent the user to (CREATED); repeating it with the same id is harmless."""
    require_transaction()
    record, created = PaymentIntentRecord.objects.get_or_create(
        stripe_session_id=session_id,
        defaults={"user": user, "stripe_price_id": price_id, "metadata": metadata},
    )
    if created:
        audit_change(instance=record, action=AuditLog.Action.CREATE, actor=user, after={"status": record.status})
    return record


def open_checkout_session(*, user, price_id: str, success_url: str, cancel_url: str, younger_than) -> dict | None:
    """The user's still-CREATED session for the same purchase, if recent: a second click reuses it."""
    record = (
        PaymentIntentRecord.objects.filter(
            user=user,
            stripe_price_id=price_id,
            status=PaymentIntentRecord.Status.CREATED,
            created_at__gt=timezone.now() - younger_than,
            metadata__success_url=success_url,
            metadata__cancel_url=cancel_url,
        )
        .order_by("-created_at")
        .first()
    )
    if record is None or not record.metadata.get("url"):
        return None
    return {"id": record.stripe_session_id, "url": record.metadata["url"]}


def session_owner_id(session_id: str):
    """The user id of our record of `session_id`, or None when we have no record of it."""
    return PaymentIntentRecord.objects.filter(stripe_session_id=session_id).values_list("user_id", flat=True).first()


def is_fulfilled(session_id: str) -> bool:
    return PaymentIntentRecord.objects.filter(
        stripe_session_id=session_id, status=PaymentIntentRecord.Status.COMPLETED
    ).exists()


def is_paid(session: dict) -> bool:
    return session.get("status") == "complete" and session.get("payment_status") in PAID_SESSION_STATUSES


def fulfil_checkout_session(
    *, session: dict, stripe_subscription: dict | None, event_created: datetime.datetime | None
) -> Fulfilment:
    """Grant what a paid session bought: Payment COMPLETED, Subscription PREMIUM ACTIVE, record COMPLETED.

    Shared by the `checkout.session.completed` webhook and `POST checkout/confirm/`: the
    session's record row lock orders them, the first one fulfils and the second changes
    nothing. `stripe_subscription` is the session's subscription as Stripe holds it (for the
    period); it is fetched by the caller, outside any transaction. `event_created` is when
    Stripe's state was read (the event's `created`, or the moment confirm fetched it): older
    events never roll back what this applied.
    """
    require_transaction()
    if not is_paid(session):
        return Fulfilment(None, False, "session not paid")
    record = _lock_record(session)
    if record is None:
        return Fulfilment(None, False, "session names no known user")
    stripe_subscription_id = object_id(session.get("subscription"))
    if record.status == PaymentIntentRecord.Status.COMPLETED:
        existing = Subscription.objects.filter(stripe_subscription_id=stripe_subscription_id).first()
        return Fulfilment(existing, False, "already fulfilled")
    user = record.user
    subscription, before = _activate_subscription(
        user=user,
        session=session,
        record=record,
        stripe_subscription=stripe_subscription,
        event_created=event_created,
    )
    payment = _record_checkout_payment(
        user=user, session=session, subscription=subscription, period_end=_first_period_end(stripe_subscription)
    )
    if payment is not None:
        charges.apply_parked_for(payment)
        charges.sweep_after_commit(invoice_id=payment.stripe_invoice_id)
    subscriptions.refresh_paid_coverage(subscription)
    subscription.save()
    audit_change(
        instance=subscription,
        action=AuditLog.Action.UPDATE if before else AuditLog.Action.CREATE,
        before=before,
        after=subscriptions.snapshot(subscription),
    )
    _close_record(record, PaymentIntentRecord.Status.COMPLETED)
    if session.get("customer"):
        remember_stripe_customer(user=user, stripe_customer_id=object_id(session["customer"]))
    if payment is not None:
        announce_completed(payment)
    emit_event(
        events.SUBSCRIPTION,
        subscription.pk,
        events.SUBSCRIPTION_ACTIVATED,
        {
            "subscription_id": str(subscription.pk),
            "user_id": str(user.pk),
            "ends_at": subscription.ends_at.isoformat() if subscription.ends_at else None,
        },
    )
    return Fulfilment(subscription, True)


def _close_record(record: PaymentIntentRecord, status: str) -> None:
    """The CREATED record of a session ends in `status` (COMPLETED or EXPIRED), audited."""
    record.status = status
    record.save(update_fields=["status", "updated_at"])
    audit_change(
        instance=record, action=AuditLog.Action.UPDATE, before={"status": "CREATED"}, after={"status": record.status}
    )


def _lock_record(session: dict) -> PaymentIntentRecord | None:
    """Our record of the session, locked; created when the session came from elsewhere."""
    record = PaymentIntentRecord.objects.select_for_update().filter(stripe_session_id=session["id"]).first()
    if record is not None:
        return record
    user = _session_user(session)
    if user is None:
        return None
    PaymentIntentRecord.objects.get_or_create(
        stripe_session_id=session["id"], defaults={"user": user, "metadata": {"source": "stripe"}}
    )
    return PaymentIntentRecord.objects.select_for_update().get(stripe_session_id=session["id"])


def _session_user(session: dict):
    user_id = session_user_id(session)
    if not user_id:
        return None
    try:
        return get_user_model().objects.filter(pk=user_id).first()
    except (ValueError, ValidationError):  # not a UUID
        return None


def _activate_subscription(
    *, user, session: dict, record, stripe_subscription: dict | None, event_created
) -> tuple[Subscription, dict | None]:
    """The subscription PREMIUM ACTIVE, saved (the payment needs its id); the caller audits it."""
    stripe_subscription_id = object_id(session.get("subscription"))
    subscription = subscriptions.lock_by_stripe_id(stripe_subscription_id)
    before = subscriptions.snapshot(subscription)
    if subscription is None:
        started = from_unix((stripe_subscription or {}).get("start_date")) or timezone.now()
        subscription = Subscription(user=user, stripe_subscription_id=stripe_subscription_id, started_at=started)
    subscription.plan = Subscription.Plan.PREMIUM
    subscription.status = Subscription.Status.ACTIVE
    subscription.stripe_customer_id = object_id(session.get("customer")) or subscription.stripe_customer_id
    subscription.stripe_price_id = record.stripe_price_id or subscription.stripe_price_id
    if stripe_subscription:
        subscriptions.apply_stripe_subscription(subscription, stripe_subscription)
    if subscription.status in subscriptions.SETTLED_BY_PAYMENT:
        subscription.status = Subscription.Status.ACTIVE  # the session is paid, whatever Stripe said a moment ago
    subscriptions.mark_event_applied(subscription, event_created)
    subscription.save()
    return subscription, before


def _first_period_end(stripe_subscription: dict | None) -> datetime.datetime | None:
    """What the checkout paid: the first period, when Stripe still holds it (else its invoice says)."""
    if not stripe_subscription:
        return None
    start, end = subscription_period(stripe_subscription)
    began = from_unix(stripe_subscription.get("start_date"))
    if start is None or (began is not None and start > began):
        return None  # a later period already: the first invoice's `invoice.paid` sets the paid period
    return end


def _record_checkout_payment(
    *, user, session: dict, subscription: Subscription, period_end: datetime.datetime | None
) -> Payment | None:
    """One Payment per checkout, keyed by the first invoice when Stripe names it, else the session."""
    invoice_id = object_id(session.get("invoice")) or ""
    if invoice_id and Payment.objects.filter(stripe_invoice_id=invoice_id).exists():
        return None  # `invoice.paid` of the first invoice already counted it
    return record_payment(
        user_id=user.pk,
        subscription=subscription,
        amount_cents=int(session.get("amount_total") or 0),
        stripe_currency=session.get("currency"),
        provider_reference=invoice_id or session["id"],
        stripe_invoice_id=invoice_id,
        status=Payment.Status.COMPLETED,
        period_end=period_end,
    )


def expire_checkout_session(*, session: dict) -> Outcome:
    """`checkout.session.expired`: the record goes EXPIRED unless it was fulfilled."""
    require_transaction()
    record = PaymentIntentRecord.objects.select_for_update().filter(stripe_session_id=session["id"]).first()
    if record is None:
        return ignored("unknown checkout session")
    if record.status != PaymentIntentRecord.Status.CREATED:
        return ignored(f"checkout session already {record.status.lower()}")
    _close_record(record, PaymentIntentRecord.Status.EXPIRED)
    return PROCESSED
