"""Outbox event types billing emits; `emit_event` and `@handles` both name them from here."""

PAYMENT_COMPLETED = "billing.payment_completed"
PAYMENT_FAILED = "billing.payment_failed"
PAYMENT_REFUNDED = "billing.payment_refunded"
DISPUTE_OPENED = "billing.dispute_opened"
DISPUTE_CLOSED = "billing.dispute_closed"
SUBSCRIPTION_ACTIVATED = "billing.subscription_activated"
SUBSCRIPTION_CANCELED = "billing.subscription_canceled"
SUBSCRIPTION_EXPIRED = "billing.subscription_expired"

# Aggregate types of those events.
PAYMENT = "Payment"
SUBSCRIPTION = "Subscription"
