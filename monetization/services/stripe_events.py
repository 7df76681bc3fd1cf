"""Which Stripe event does what: a table from event type to handler, no if/elif chain."""

from collections.abc import Callable
from dataclasses import dataclass

from monetization.services import checkout, payments, subscriptions
from monetization.services.outcomes import PROCESSED, Outcome, ignored
from monetization.services.stripe_payloads import from_unix

FULFILMENT_TYPES = ("checkout.session.completed", "checkout.session.async_payment_succeeded")


@dataclass(frozen=True)
class StripeContext:
    """What the caller fetched from Stripe before the transaction (never inside it)."""

    subscription: dict | None = None
    refunded_invoice_id: str | None = None


def _fulfil(event: dict, context: StripeContext) -> Outcome:
    result = checkout.fulfil_checkout_session(
        session=event["data"]["object"],
        stripe_subscription=context.subscription,
        event_created=from_unix(event.get("created")),
    )
    if result.subscription is None:
        return ignored(result.reason)
    return PROCESSED


def _expired(event: dict, context: StripeContext) -> Outcome:
    return checkout.expire_checkout_session(session=event["data"]["object"])


def _invoice_paid(event: dict, context: StripeContext) -> Outcome:
    return payments.record_invoice_paid(invoice=event["data"]["object"], event_created=from_unix(event["created"]))


def _invoice_payment_failed(event: dict, context: StripeContext) -> Outcome:
    return payments.record_invoice_payment_failed(
        invoice=event["data"]["object"], event_created=from_unix(event["created"])
    )


def _subscription_updated(event: dict, context: StripeContext) -> Outcome:
    return subscriptions.sync_from_stripe_event(
        data=event["data"]["object"], event_created=from_unix(event["created"]), deleted=False
    )


def _subscription_deleted(event: dict, context: StripeContext) -> Outcome:
    return subscriptions.sync_from_stripe_event(
        data=event["data"]["object"], event_created=from_unix(event["created"]), deleted=True
    )


def _charge_refunded(event: dict, context: StripeContext) -> Outcome:
    return payments.record_charge_refunded(charge=event["data"]["object"], invoice_id=context.refunded_invoice_id)


HANDLERS: dict[str, Callable[[dict, StripeContext], Outcome]] = {
    "checkout.session.completed": _fulfil,
    "checkout.session.async_payment_succeeded": _fulfil,
    "checkout.session.expired": _expired,
    "invoice.paid": _invoice_paid,
    "invoice.payment_failed": _invoice_payment_failed,
    "customer.subscription.created": _subscription_updated,
    "customer.subscription.updated": _subscription_updated,
    "customer.subscription.deleted": _subscription_deleted,
    "charge.refunded": _charge_refunded,
}


def handle_stripe_event(event: dict, context: StripeContext) -> Outcome:
    """Apply one verified event; the caller holds the transaction. Unhandled types are IGNORED."""
    handler = HANDLERS.get(event.get("type", ""))
    if handler is None:
        return ignored("event type not handled")
    return handler(event, context)
