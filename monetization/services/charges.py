"""Refunds and disputes of a charge: recorded on its Payment, parked while that Payment is not paid yet.

Stripe may send `charge.refunded` or `charge.dispute.*` before the `invoice.paid` of the
money they name. Such an event is kept (`ParkedChargeEvent`) and applied, in Stripe's
order, the moment the payment is recorded as paid (`apply_parked_for`). Every effect is
idempotent: Stripe's `amount_refunded` is cumulative, a dispute only moves forward.

When the two arrive at once they serialize on the invoice (`lock_invoice`, taken before any
row lock): the charge event decides to park or to apply only once the payer committed, and the
payer applies every event parked before it. So a parked event never lands after a later event
of the same charge was applied directly: each outcome is one some serial order of the
deliveries explains. A sweep right after each commit (`sweep_after_commit`) still applies
whatever waited for a payment that is paid by then (a payment known by its charge only).
"""

import datetime
import functools
import logging
import zlib

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from audit.models import AuditLog
from core.outbox import emit_event
from core.services.audit import audit_change
from core.transactions import require_transaction
from monetization import events
from monetization.models import DISPUTE_RESOLVED_FOR_US, ParkedChargeEvent, Payment, Subscription
from monetization.services import subscriptions
from monetization.services.outcomes import PROCESSED, Outcome, ignored
from monetization.services.payment_records import payment_event_payload, payment_snapshot
from monetization.services.stripe_payloads import object_id

REFUNDED = "charge.refunded"
DISPUTE_CREATED = "charge.dispute.created"
DISPUTE_CLOSED = "charge.dispute.closed"
DISPUTE_CLOSED_STATUSES = ("won", "lost", "warning_closed")
PAID = (Payment.Status.COMPLETED, Payment.Status.REFUNDED)
INVOICE_LOCK_SPACE = zlib.crc32(b"invoice-charge-events") - 2**31  # apart from other advisory locks
logger = logging.getLogger(__name__)


def charge_keys(event_type: str, data: dict) -> tuple[str, str | None]:
    """(charge id, payment intent id) of a charge or of a dispute's charge."""
    if event_type == REFUNDED:
        return data.get("id", ""), object_id(data.get("payment_intent"))
    return object_id(data.get("charge")) or "", object_id(data.get("payment_intent"))


def find_payment(*, charge_id: str, payment_intent_id: str | None, invoice_id: str | None = None) -> Payment | None:
    match = Q(stripe_charge_id=charge_id) if charge_id else Q(pk__in=[])
    if payment_intent_id:
        match |= Q(stripe_payment_intent_id=payment_intent_id)
    if invoice_id:
        match |= Q(stripe_invoice_id=invoice_id)
    return Payment.objects.filter(match).order_by("created_at").first()


def record_charge_event(*, event: dict, event_created: datetime.datetime, invoice_id: str | None) -> Outcome:
    """`charge.refunded`, `charge.dispute.created` / `.closed`.

    `invoice_id` is the invoice the charge paid, looked up by the caller (before the
    transaction) when no Payment knows the charge or its payment intent yet.
    """
    require_transaction()
    event_type, data = event["type"], event["data"]["object"]
    charge_id, payment_intent_id = charge_keys(event_type, data)
    found = find_payment(charge_id=charge_id, payment_intent_id=payment_intent_id, invoice_id=invoice_id)
    if found is None and not invoice_id:
        return ignored("no payment for this charge")
    invoice_id = invoice_id or (found and found.stripe_invoice_id) or None
    if invoice_id:
        # Wait for an `invoice.paid` of this invoice under way, then look again: what it
        # committed decides between parking and applying (lock order: invoice, subscription, payment).
        lock_invoice(invoice_id)
        found = find_payment(charge_id=charge_id, payment_intent_id=payment_intent_id, invoice_id=invoice_id)
    subscription = _lock_subscription(found) if found is not None else None
    payment = Payment.objects.select_for_update().get(pk=found.pk) if found is not None else None
    if payment is None or payment.status not in PAID:
        _park(event, event_created, charge_id, payment_intent_id, invoice_id)
        return Outcome(PROCESSED.status, "parked until its payment is recorded as paid")
    return _apply(event_type, data, payment, subscription)


def lock_invoice(invoice_id: str) -> None:
    """Serialize, until the transaction ends, the payment of this invoice and the events of its charge.

    Taken before any row lock. PostgreSQL: a transaction-level advisory lock (the Payment row
    may not exist yet); SQLite runs one writer at a time already.
    """
    require_transaction()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [INVOICE_LOCK_SPACE, _lock_key(invoice_id)])


def _lock_key(invoice_id: str) -> int:
    return zlib.crc32(invoice_id.encode()) - 2**31  # a signed 32-bit key, the same on every host


def apply_parked_for(payment: Payment) -> None:
    """Apply what waited for `payment`, now paid.

    Caller holds the subscription's row lock and calls `refresh_paid_coverage` afterwards.
    """
    if payment.status not in PAID:
        return
    keys = Q(pk__in=[])
    for field, value in (
        ("stripe_invoice_id", payment.stripe_invoice_id),
        ("stripe_payment_intent_id", payment.stripe_payment_intent_id),
        ("stripe_charge_id", payment.stripe_charge_id),
    ):
        if value:
            keys |= Q(**{field: value})
    parked_events = list(ParkedChargeEvent.objects.select_for_update().filter(keys, applied_at__isnull=True))
    for parked in parked_events:
        _apply(parked.event_type, parked.payload["data"]["object"], payment, None)
        parked.applied_at = timezone.now()
        parked.save(update_fields=["applied_at", "updated_at"])


def sweep_after_commit(*, charge_id: str = "", payment_intent_id: str = "", invoice_id: str = "") -> None:
    """Once the caller's transaction commits, apply what is parked for a paid payment with these keys."""
    transaction.on_commit(
        functools.partial(_sweep, charge_id=charge_id, payment_intent_id=payment_intent_id, invoice_id=invoice_id)
    )


def _sweep(*, charge_id: str, payment_intent_id: str, invoice_id: str) -> None:
    try:
        # Its own transaction: it runs once the caller's has committed, with no caller left to join.
        with transaction.atomic():
            found = find_payment(charge_id=charge_id, payment_intent_id=payment_intent_id, invoice_id=invoice_id)
            if found is None or found.status not in PAID:
                return
            subscription = _lock_subscription(found)
            payment = Payment.objects.select_for_update().get(pk=found.pk)
            before = subscriptions.snapshot(subscription)
            apply_parked_for(payment)
            if subscription is not None:
                subscriptions.refresh_paid_coverage(subscription)
                if subscriptions.snapshot(subscription) != before:
                    subscriptions.save_audited(subscription, before)
    except Exception:  # committed already; the next delivery or sweep applies it (run_checks would show it)
        logger.exception("applying parked charge events failed", extra={"stripe_invoice_id": invoice_id})


def _park(event: dict, event_created, charge_id: str, payment_intent_id: str | None, invoice_id: str | None) -> None:
    sweep_after_commit(charge_id=charge_id, payment_intent_id=payment_intent_id or "", invoice_id=invoice_id or "")
    ParkedChargeEvent.objects.get_or_create(
        stripe_event_id=event["id"],
        defaults={
            "event_type": event["type"],
            "event_created": event_created,
            "stripe_charge_id": charge_id,
            "stripe_payment_intent_id": payment_intent_id or "",
            "stripe_invoice_id": invoice_id or "",
            "payload": event,
        },
    )


def _lock_subscription(payment: Payment) -> Subscription | None:
    """Subscription before payment: the same lock order as the invoice handlers."""
    if payment.subscription_id is None:
        return None
    return Subscription.objects.select_for_update().get(pk=payment.subscription_id)


def _apply(event_type: str, data: dict, payment: Payment, subscription: Subscription | None) -> Outcome:
    before = payment_snapshot(payment)
    if event_type == REFUNDED:
        event_type_emitted = _apply_refund(payment, data)
    else:
        event_type_emitted = _apply_dispute(event_type, payment, data)
    if event_type_emitted is None:
        return ignored("already recorded")
    payment.stripe_charge_id = payment.stripe_charge_id or charge_keys(event_type, data)[0]
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or charge_keys(event_type, data)[1] or ""
    payment.save()
    audit_change(instance=payment, action=AuditLog.Action.UPDATE, before=before, after=payment_snapshot(payment))
    emit_event(events.PAYMENT, payment.pk, event_type_emitted, _payload(payment, data, event_type))
    if subscription is not None:
        subscription_before = subscriptions.snapshot(subscription)
        subscriptions.refresh_paid_coverage(subscription)
        if subscriptions.snapshot(subscription) != subscription_before:
            subscriptions.save_audited(subscription, subscription_before)
    return PROCESSED


def _apply_refund(payment: Payment, charge: dict) -> str | None:
    """Stripe's `amount_refunded` is the charge's running total: partial refunds add up there."""
    refunded = min(int(charge.get("amount_refunded") or 0), payment.amount_cents)
    in_full = bool(charge.get("refunded")) or refunded >= int(charge.get("amount") or payment.amount_cents)
    if in_full:
        refunded = payment.amount_cents
    if refunded <= payment.refunded_cents and not (in_full and payment.status != Payment.Status.REFUNDED):
        return None
    payment.refunded_cents = max(payment.refunded_cents, refunded)
    if in_full:
        payment.transition_to(Payment.Status.REFUNDED)
    return events.PAYMENT_REFUNDED


def _apply_dispute(event_type: str, payment: Payment, dispute: dict) -> str | None:
    """A dispute only moves forward: opened, then closed; a closing that came first stays."""
    status = dispute.get("status") or ""
    if payment.dispute_status in DISPUTE_CLOSED_STATUSES:
        return None
    if event_type == DISPUTE_CREATED:
        if payment.dispute_status:
            return None
        payment.dispute_status = status or "needs_response"
        return events.DISPUTE_OPENED
    payment.dispute_status = status if status in DISPUTE_CLOSED_STATUSES else "lost"
    return events.DISPUTE_CLOSED


def _payload(payment: Payment, data: dict, event_type: str) -> dict:
    payload = payment_event_payload(payment)
    if event_type == REFUNDED:
        payload.update(
            amount_refunded_cents=payment.refunded_cents, refunded_in_full=payment.status == Payment.Status.REFUNDED
        )
    else:
        payload.update(
            dispute_id=data.get("id"),
            dispute_status=payment.dispute_status,
            access_restored=payment.dispute_status in DISPUTE_RESOLVED_FOR_US,
        )
    return payload
