"""Payments from invoices: one Payment per invoice, moved only along legal transitions.

A paid invoice is what moves `Subscription.paid_through` (through `refresh_paid_coverage`);
refunds and disputes of the charge live in `charges.py`.
"""

import datetime

from django.db import transaction

from audit.models import AuditLog
from core.metrics import payment_failure_total
from core.outbox import emit_event
from core.services.audit import audit_change
from core.transactions import require_transaction
from monetization import events
from monetization.models import Payment, Subscription
from monetization.services import charges, subscriptions
from monetization.services.outcomes import PROCESSED, Outcome, ignored
from monetization.services.payment_records import (
    announce_completed,
    paid_period_end,
    payment_event_payload,
    payment_snapshot,
    record_payment,
)
from monetization.services.stripe_payloads import (
    invoice_payment_intent_id,
    invoice_period_end,
    invoice_subscription_id,
)


def record_invoice_paid(*, invoice: dict, event_created: datetime.datetime) -> Outcome:
    """`invoice.paid`: one completed Payment per invoice, its period paid.

    A redelivery, or one after the payment was refunded, changes nothing.
    """
    require_transaction()
    charges.lock_invoice(invoice["id"])  # a refund or dispute of its charge waits for this payment
    subscription = subscriptions.lock_by_stripe_id(invoice_subscription_id(invoice))
    if subscription is None:
        return ignored("unknown subscription")
    payment = _payment_for_invoice(invoice, subscription)
    payment_intent_id = invoice_payment_intent_id(invoice) or ""
    period_end = invoice_period_end(invoice)
    if payment is None:
        payment = _record_invoice_payment(
            invoice,
            subscription,
            amount_field="amount_paid",
            status=Payment.Status.COMPLETED,
            stripe_payment_intent_id=payment_intent_id,
            period_end=period_end,
        )
        announce_completed(payment)
    else:
        _settle(payment, invoice["id"], payment_intent_id, paid_period_end(payment.amount_cents, period_end))
    charges.apply_parked_for(payment)
    charges.sweep_after_commit(
        invoice_id=payment.stripe_invoice_id,
        payment_intent_id=payment.stripe_payment_intent_id,
        charge_id=payment.stripe_charge_id,
    )
    _record_paid_period(subscription, event_created)
    return PROCESSED


def record_invoice_payment_failed(*, invoice: dict, event_created: datetime.datetime) -> Outcome:
    """`invoice.payment_failed`: a FAILED Payment for the invoice, the subscription PAST_DUE."""
    require_transaction()
    subscription = subscriptions.lock_by_stripe_id(invoice_subscription_id(invoice))
    if subscription is None:
        return ignored("unknown subscription")
    payment = Payment.objects.select_for_update().filter(stripe_invoice_id=invoice["id"]).first()
    if payment is not None and payment.status in (Payment.Status.COMPLETED, Payment.Status.REFUNDED):
        return ignored("invoice already paid")  # a late failure of a paid (even since refunded) invoice
    if payment is None:
        payment = _record_invoice_payment(
            invoice, subscription, amount_field="amount_due", status=Payment.Status.FAILED
        )
    if not subscriptions.is_stale(subscription, event_created) and not subscriptions.has_ended(subscription):
        before = subscriptions.snapshot(subscription)
        if subscription.status in (Subscription.Status.ACTIVE, Subscription.Status.TRIALING):
            subscription.status = Subscription.Status.PAST_DUE
        subscriptions.mark_event_applied(subscription, event_created)
        subscriptions.save_audited(subscription, before)
    emit_event(
        events.PAYMENT,
        payment.pk,
        events.PAYMENT_FAILED,
        {
            **payment_event_payload(payment),
            "attempt_count": invoice.get("attempt_count"),
            "next_payment_attempt": invoice.get("next_payment_attempt"),
        },
    )
    transaction.on_commit(payment_failure_total.inc)
    return PROCESSED


def _record_invoice_payment(
    invoice: dict,
    subscription: Subscription,
    *,
    amount_field: str,
    status: str,
    stripe_payment_intent_id: str = "",
    period_end: datetime.datetime | None = None,
) -> Payment:
    """A new Payment for the invoice, of the invoice's `amount_field` (what was paid, or what is due)."""
    return record_payment(
        user_id=subscription.user_id,
        subscription=subscription,
        amount_cents=int(invoice.get(amount_field) or 0),
        stripe_currency=invoice.get("currency"),
        provider_reference=invoice["id"],
        stripe_invoice_id=invoice["id"],
        stripe_payment_intent_id=stripe_payment_intent_id,
        status=status,
        period_end=period_end,
    )


def _payment_for_invoice(invoice: dict, subscription: Subscription) -> Payment | None:
    payment = Payment.objects.select_for_update().filter(stripe_invoice_id=invoice["id"]).first()
    if payment is None and invoice.get("billing_reason") == "subscription_create":
        # The first invoice of a checkout: the checkout already counted this money.
        payment = (
            Payment.objects.select_for_update()
            .filter(subscription=subscription, stripe_invoice_id="", status__in=charges.PAID)
            .order_by("created_at")
            .first()
        )
    return payment


def _settle(payment: Payment, invoice_id: str, payment_intent_id: str, period_end) -> None:
    """The invoice of an existing Payment is paid: link it, and complete it unless it already was paid."""
    before = payment_snapshot(payment)
    links = (payment.stripe_invoice_id, payment.stripe_payment_intent_id)
    was_paid = payment.status in charges.PAID
    payment.stripe_invoice_id = payment.stripe_invoice_id or invoice_id
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or payment_intent_id
    payment.period_end = payment.period_end or period_end
    if not was_paid:
        payment.transition_to(Payment.Status.COMPLETED)
    if payment_snapshot(payment) != before or (payment.stripe_invoice_id, payment.stripe_payment_intent_id) != links:
        payment.save()
        audit_change(instance=payment, action=AuditLog.Action.UPDATE, before=before, after=payment_snapshot(payment))
    if not was_paid:
        announce_completed(payment)


def _record_paid_period(subscription: Subscription, event_created: datetime.datetime) -> None:
    before = subscriptions.snapshot(subscription)
    subscriptions.refresh_paid_coverage(subscription)
    if not subscriptions.is_stale(subscription, event_created) and not subscriptions.has_ended(subscription):
        subscription.plan = Subscription.Plan.PREMIUM
        if subscription.status in subscriptions.SETTLED_BY_PAYMENT:
            subscription.status = Subscription.Status.ACTIVE
        subscriptions.mark_event_applied(subscription, event_created)
    subscriptions.save_audited(subscription, before)
