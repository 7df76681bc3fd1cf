"""Payments from invoices and refunds: one Payment per invoice, moved only along legal transitions."""

import datetime

from django.db import transaction
from django.db.models import Q

from core.metrics import payment_failure_total, payment_success_total
from core.outbox import emit_event
from core.services.audit import audit_change
from monetization.models import Payment, Subscription
from monetization.services import subscriptions
from monetization.services.checkout import payment_event_payload
from monetization.services.outcomes import PROCESSED, Outcome, ignored
from monetization.services.payment_records import record_payment
from monetization.services.stripe_payloads import (
    invoice_payment_intent_id,
    invoice_period_end,
    invoice_subscription_id,
    object_id,
)


class PaymentNotSettledError(Exception):
    """A refund arrived for a payment we have not seen completed yet; Stripe redelivers it later."""


def record_invoice_paid(*, invoice: dict, event_created: datetime.datetime) -> Outcome:
    """`invoice.paid`: one completed Payment per invoice, the period extended. Caller holds the transaction."""
    subscription = subscriptions.lock_by_stripe_id(invoice_subscription_id(invoice))
    if subscription is None:
        return ignored("unknown subscription")
    payment = _payment_for_invoice(invoice, subscription)
    payment_intent_id = invoice_payment_intent_id(invoice) or ""
    if payment is None:
        payment = record_payment(
            user_id=subscription.user_id,
            subscription=subscription,
            amount_cents=int(invoice.get("amount_paid") or 0),
            stripe_currency=invoice.get("currency"),
            provider_reference=invoice["id"],
            stripe_invoice_id=invoice["id"],
            stripe_payment_intent_id=payment_intent_id,
            status=Payment.Status.COMPLETED,
        )
        _announce_completed(payment)
    else:
        before = payment.status
        changed = _link_invoice(payment, invoice["id"], payment_intent_id)
        if payment.status != Payment.Status.COMPLETED:
            payment.transition_to(Payment.Status.COMPLETED)
            changed = True
        if changed:
            payment.save()
            audit_change(instance=payment, action="UPDATE", before={"status": before}, after={"status": payment.status})
        if before != Payment.Status.COMPLETED and payment.status == Payment.Status.COMPLETED:
            _announce_completed(payment)
    _extend_period(subscription, invoice, event_created)
    return PROCESSED


def record_invoice_payment_failed(*, invoice: dict, event_created: datetime.datetime) -> Outcome:
    """`invoice.payment_failed`: a FAILED Payment for the invoice, the subscription PAST_DUE."""
    subscription = subscriptions.lock_by_stripe_id(invoice_subscription_id(invoice))
    if subscription is None:
        return ignored("unknown subscription")
    payment = Payment.objects.select_for_update().filter(stripe_invoice_id=invoice["id"]).first()
    if payment is not None and payment.status in (Payment.Status.COMPLETED, Payment.Status.REFUNDED):
        return ignored("invoice already paid")  # a late failure of a paid (even since refunded) invoice
    if payment is None:
        payment = record_payment(
            user_id=subscription.user_id,
            subscription=subscription,
            amount_cents=int(invoice.get("amount_due") or 0),
            stripe_currency=invoice.get("currency"),
            provider_reference=invoice["id"],
            stripe_invoice_id=invoice["id"],
            status=Payment.Status.FAILED,
        )
    if not subscriptions.is_stale(subscription, event_created) and not subscriptions.has_ended(subscription):
        before = subscriptions.snapshot(subscription)
        if subscription.status == Subscription.Status.ACTIVE:
            subscription.status = Subscription.Status.PAST_DUE
        subscriptions.mark_event_applied(subscription, event_created)
        subscription.save()
        audit_change(instance=subscription, action="UPDATE", before=before, after=subscriptions.snapshot(subscription))
    emit_event(
        "Payment",
        payment.pk,
        "billing.payment_failed",
        {
            **payment_event_payload(payment),
            "attempt_count": invoice.get("attempt_count"),
            "next_payment_attempt": invoice.get("next_payment_attempt"),
        },
    )
    transaction.on_commit(payment_failure_total.inc)
    return PROCESSED


def find_payment_for_charge(*, charge_id: str, payment_intent_id: str | None, invoice_id: str | None = None):
    match = Q(stripe_charge_id=charge_id)
    if payment_intent_id:
        match |= Q(stripe_payment_intent_id=payment_intent_id)
    if invoice_id:
        match |= Q(stripe_invoice_id=invoice_id)
    return Payment.objects.filter(match).order_by("created_at").first()


def record_charge_refunded(*, charge: dict, invoice_id: str | None) -> Outcome:
    """`charge.refunded`: a fully refunded charge moves its Payment to REFUNDED. Caller holds the transaction.

    The charge names its payment intent; `invoice_id` is the invoice that intent paid,
    looked up by the caller when no Payment knows the charge or the intent yet.
    """
    found = find_payment_for_charge(
        charge_id=charge["id"], payment_intent_id=object_id(charge.get("payment_intent")), invoice_id=invoice_id
    )
    if found is None and invoice_id:
        # Stripe says which invoice this charge paid, but its `invoice.paid` has not reached us yet.
        raise PaymentNotSettledError(f"No payment yet for invoice {invoice_id}; the refund waits for it")
    if found is None:
        return ignored("no payment for this charge")
    payment = Payment.objects.select_for_update().get(pk=found.pk)
    refunded_in_full = charge.get("refunded") or int(charge.get("amount_refunded") or 0) >= int(
        charge.get("amount") or 0
    )
    if not refunded_in_full:
        return ignored("partial refund")
    if payment.status == Payment.Status.REFUNDED:
        return ignored("payment already refunded")
    if payment.status != Payment.Status.COMPLETED:
        raise PaymentNotSettledError(f"Payment {payment.pk} is {payment.status}, not yet COMPLETED")
    before = payment.status
    payment.stripe_charge_id = payment.stripe_charge_id or charge["id"]
    payment.stripe_payment_intent_id = payment.stripe_payment_intent_id or object_id(charge.get("payment_intent")) or ""
    payment.transition_to(Payment.Status.REFUNDED)
    payment.save()
    audit_change(instance=payment, action="UPDATE", before={"status": before}, after={"status": payment.status})
    emit_event(
        "Payment",
        payment.pk,
        "billing.payment_refunded",
        {**payment_event_payload(payment), "amount_refunded_cents": int(charge.get("amount_refunded") or 0)},
    )
    return PROCESSED


def _payment_for_invoice(invoice: dict, subscription: Subscription) -> Payment | None:
    payment = Payment.objects.select_for_update().filter(stripe_invoice_id=invoice["id"]).first()
    if payment is None and invoice.get("billing_reason") == "subscription_create":
        # The first invoice of a checkout: the checkout already counted this money.
        payment = (
            Payment.objects.select_for_update()
            .filter(subscription=subscription, stripe_invoice_id="", status=Payment.Status.COMPLETED)
            .order_by("created_at")
            .first()
        )
    return payment


def _link_invoice(payment: Payment, invoice_id: str, payment_intent_id: str) -> bool:
    changed = False
    if not payment.stripe_invoice_id:
        payment.stripe_invoice_id = invoice_id
        changed = True
    if payment_intent_id and not payment.stripe_payment_intent_id:
        payment.stripe_payment_intent_id = payment_intent_id
        changed = True
    return changed


def _announce_completed(payment: Payment) -> None:
    emit_event("Payment", payment.pk, "billing.payment_completed", payment_event_payload(payment))
    transaction.on_commit(payment_success_total.inc)


def _extend_period(subscription: Subscription, invoice: dict, event_created: datetime.datetime) -> None:
    if subscriptions.is_stale(subscription, event_created) or subscriptions.has_ended(subscription):
        return
    before = subscriptions.snapshot(subscription)
    period_end = invoice_period_end(invoice)
    if period_end is not None and (subscription.ends_at is None or period_end > subscription.ends_at):
        subscription.ends_at = period_end
    subscription.plan = Subscription.Plan.PREMIUM
    subscription.status = Subscription.Status.ACTIVE
    subscriptions.mark_event_applied(subscription, event_created)
    subscription.save()
    audit_change(instance=subscription, action="UPDATE", before=before, after=subscriptions.snapshot(subscription))
