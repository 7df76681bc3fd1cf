"""POST /api/billing/webhook/: verify, then apply each Stripe event exactly once.

Flow: verify the signature (400, nothing stored) → fetch from Stripe what the event needs,
outside any transaction → in one transaction lock the event's row, apply the effect, emit
outbox events and mark it PROCESSED/IGNORED → on any failure, roll that back and record
FAILED with the error in a second transaction, and answer 500 so Stripe redelivers.
"""

import logging
import time

from django.conf import settings

from application.dto.billing import HandleStripeWebhookCommand, WebhookReceipt
from application.exceptions import ApplicationError, BillingNotConfigured
from application.services import stripe_service
from core.metrics import webhook_processing_latency
from monetization.services import checkout, payments, webhook_events
from monetization.services.stripe_events import FULFILMENT_TYPES, StripeContext, handle_stripe_event
from monetization.services.stripe_payloads import object_id

logger = logging.getLogger(__name__)


class WebhookProcessingFailed(ApplicationError):
    code = "webhook_processing_failed"
    http_status = 500
    default_message = "The event could not be processed; it was recorded and will be retried."


def handle_stripe_webhook(command: HandleStripeWebhookCommand) -> WebhookReceipt:
    started = time.perf_counter()
    # 503, not 400: Stripe keeps redelivering until the secret is set, so no event is lost.
    BillingNotConfigured.unless_set(settings, "STRIPE_WEBHOOK_SECRET")
    try:
        event = stripe_service.verify_webhook(command.payload, command.signature)
    except ApplicationError:
        webhook_processing_latency.labels(event_type="unverified", outcome="rejected").observe(
            time.perf_counter() - started
        )
        raise
    return process_event(event, started=started)


def process_event(event: dict, *, started: float | None = None) -> WebhookReceipt:
    """Apply a verified event (also the admin's "reprocess" for a stored FAILED event)."""
    started = time.perf_counter() if started is None else started
    event_type = event["type"]
    try:
        if webhook_events.already_done(event["id"]):
            receipt = WebhookReceipt(status="duplicate", duplicate=True)
        else:
            context = _fetch_context(event)
            delivery = webhook_events.process_webhook_event(event, lambda e: handle_stripe_event(e, context))
            receipt = WebhookReceipt(status=delivery.status, duplicate=delivery.duplicate)
    except Exception as error:
        logger.exception("stripe webhook failed", extra={"stripe_event_id": event["id"], "event_type": event_type})
        webhook_events.record_webhook_failure(event, f"{type(error).__name__}: {error}")
        _observe(event_type, "failed", started)
        raise WebhookProcessingFailed() from error
    _observe(event_type, "duplicate" if receipt.duplicate else receipt.status.lower(), started)
    return receipt


def _fetch_context(event: dict) -> StripeContext:
    data = event.get("data", {}).get("object", {})
    wants_fulfilment = event["type"] in FULFILMENT_TYPES and checkout.is_paid(data)
    if wants_fulfilment and object_id(data.get("subscription")) and not checkout.is_fulfilled(data["id"]):
        return StripeContext(subscription=stripe_service.retrieve_subscription(object_id(data["subscription"])))
    if event["type"] == "charge.refunded":
        payment_intent_id = object_id(data.get("payment_intent"))
        known = payments.find_payment_for_charge(charge_id=data.get("id", ""), payment_intent_id=payment_intent_id)
        if known is None and payment_intent_id:
            return StripeContext(refunded_invoice_id=stripe_service.invoice_id_for_payment_intent(payment_intent_id))
    return StripeContext()


def _observe(event_type: str, outcome: str, started: float) -> None:
    webhook_processing_latency.labels(event_type=event_type, outcome=outcome).observe(time.perf_counter() - started)
