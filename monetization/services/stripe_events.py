"""Which Stripe event does what: one table entry per event type, no if/elif chain.

Each entry declares what must be fetched from Stripe before the transaction (`needs`, read
by the webhook use case, which owns the network calls) and the function that applies the
event inside the transaction (`apply`).
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass

from monetization.services import charges, checkout, payments, subscriptions
from monetization.services.outcomes import PROCESSED, Outcome, ignored
from monetization.services.stripe_payloads import from_unix, object_id


class Needs(enum.Enum):
    NOTHING = "nothing"
    SESSION_SUBSCRIPTION = "the paid session's subscription, unless the session is fulfilled"
    INVOICE_OF_CHARGE = "the invoice a charge paid, unless a Payment already knows the charge"


@dataclass(frozen=True)
class StripeContext:
    """What the caller fetched from Stripe before the transaction (never inside it)."""

    subscription: dict | None = None
    charge_invoice_id: str | None = None


@dataclass(frozen=True)
class EventRule:
    needs: Needs
    apply: Callable[[dict, StripeContext], Outcome]


def _created(event: dict):
    return from_unix(event.get("created"))


def _fulfil(event: dict, context: StripeContext) -> Outcome:
    result = checkout.fulfil_checkout_session(
        session=event["data"]["object"], stripe_subscription=context.subscription, event_created=_created(event)
    )
    return PROCESSED if result.subscription is not None else ignored(result.reason)


def _expired(event: dict, context: StripeContext) -> Outcome:
    return checkout.expire_checkout_session(session=event["data"]["object"])


def _invoice_paid(event: dict, context: StripeContext) -> Outcome:
    return payments.record_invoice_paid(invoice=event["data"]["object"], event_created=_created(event))


def _invoice_payment_failed(event: dict, context: StripeContext) -> Outcome:
    return payments.record_invoice_payment_failed(invoice=event["data"]["object"], event_created=_created(event))


def _subscription_updated(event: dict, context: StripeContext) -> Outcome:
    return subscriptions.sync_from_stripe_event(
        data=event["data"]["object"], event_created=_created(event), deleted=False
    )


def _subscription_deleted(event: dict, context: StripeContext) -> Outcome:
    return subscriptions.sync_from_stripe_event(
        data=event["data"]["object"], event_created=_created(event), deleted=True
    )


def _charge_event(event: dict, context: StripeContext) -> Outcome:
    return charges.record_charge_event(event=event, event_created=_created(event), invoice_id=context.charge_invoice_id)


RULES: dict[str, EventRule] = {
    "checkout.session.completed": EventRule(Needs.SESSION_SUBSCRIPTION, _fulfil),
    "checkout.session.async_payment_succeeded": EventRule(Needs.SESSION_SUBSCRIPTION, _fulfil),
    "checkout.session.expired": EventRule(Needs.NOTHING, _expired),
    "invoice.paid": EventRule(Needs.NOTHING, _invoice_paid),
    "invoice.payment_failed": EventRule(Needs.NOTHING, _invoice_payment_failed),
    "customer.subscription.created": EventRule(Needs.NOTHING, _subscription_updated),
    "customer.subscription.updated": EventRule(Needs.NOTHING, _subscription_updated),
    "customer.subscription.deleted": EventRule(Needs.NOTHING, _subscription_deleted),
    charges.REFUNDED: EventRule(Needs.INVOICE_OF_CHARGE, _charge_event),
    charges.DISPUTE_CREATED: EventRule(Needs.INVOICE_OF_CHARGE, _charge_event),
    charges.DISPUTE_CLOSED: EventRule(Needs.INVOICE_OF_CHARGE, _charge_event),
}


def fetch_plan(event: dict) -> tuple[Needs, str | None]:
    """What to fetch for `event` and the Stripe id to fetch it by; (NOTHING, None) when nothing is missing."""
    rule = RULES.get(event.get("type", ""))
    data = event.get("data", {}).get("object", {})
    if rule is None or rule.needs is Needs.NOTHING:
        return Needs.NOTHING, None
    if rule.needs is Needs.SESSION_SUBSCRIPTION:
        subscription_id = object_id(data.get("subscription"))
        if checkout.is_paid(data) and subscription_id and not checkout.is_fulfilled(data["id"]):
            return Needs.SESSION_SUBSCRIPTION, subscription_id
        return Needs.NOTHING, None
    charge_id, payment_intent_id = charges.charge_keys(event["type"], data)
    if payment_intent_id and charges.find_payment(charge_id=charge_id, payment_intent_id=payment_intent_id) is None:
        return Needs.INVOICE_OF_CHARGE, payment_intent_id
    return Needs.NOTHING, None


def apply_stripe_event(event: dict, context: StripeContext) -> Outcome:
    """Apply one verified event; the caller holds the transaction. Unhandled types are IGNORED."""
    rule = RULES.get(event.get("type", ""))
    if rule is None:
        return ignored("event type not handled")
    return rule.apply(event, context)
