"""The one way a Payment row is born (amounts from Stripe, an audit row with it) and how it is announced."""

import datetime

from django.db import transaction

from audit.models import AuditLog
from core.metrics import payment_success_total
from core.outbox import emit_event
from core.services.audit import audit_change
from monetization import events
from monetization.models import Payment


def record_payment(
    *,
    user_id,
    subscription,
    amount_cents: int,
    stripe_currency: str | None,
    provider_reference: str,
    status: str,
    stripe_invoice_id: str = "",
    stripe_payment_intent_id: str = "",
    period_end: datetime.datetime | None = None,
) -> Payment:
    """Create the payment (caller holds the transaction); Stripe's lower-case currency becomes ISO."""
    payment = Payment.objects.create(
        user_id=user_id,
        subscription=subscription,
        amount_cents=amount_cents,
        currency=(stripe_currency or "usd").upper(),
        provider_reference=provider_reference,
        stripe_invoice_id=stripe_invoice_id,
        stripe_payment_intent_id=stripe_payment_intent_id,
        status=status,
        period_end=paid_period_end(amount_cents, period_end),
    )
    audit_change(
        instance=payment,
        action=AuditLog.Action.CREATE,
        after={"status": payment.status, "amount_cents": payment.amount_cents},
    )
    return payment


def paid_period_end(amount_cents: int, period_end: datetime.datetime | None) -> datetime.datetime | None:
    """A free invoice (a trial's) pays for nothing: only money moves `paid_through`."""
    return period_end if amount_cents > 0 else None


def payment_event_payload(payment: Payment) -> dict:
    return {
        "payment_id": str(payment.pk),
        "user_id": str(payment.user_id),
        "amount_cents": payment.amount_cents,
        "currency": payment.currency,
        "subscription_id": str(payment.subscription_id) if payment.subscription_id else None,
    }


def announce_completed(payment: Payment) -> None:
    emit_event(events.PAYMENT, payment.pk, events.PAYMENT_COMPLETED, payment_event_payload(payment))
    transaction.on_commit(payment_success_total.inc)


def payment_snapshot(payment: Payment) -> dict:
    return {
        "status": payment.status,
        "refunded_cents": payment.refunded_cents,
        "dispute_status": payment.dispute_status,
        "period_end": payment.period_end.isoformat() if payment.period_end else None,
    }
