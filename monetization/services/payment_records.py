"""The one way a Payment row is born: amounts from Stripe, an audit row with it."""

from core.services.audit import audit_change
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
    )
    audit_change(
        instance=payment, action="CREATE", after={"status": payment.status, "amount_cents": payment.amount_cents}
    )
    return payment
