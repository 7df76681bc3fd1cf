"""POST /api/billing/webhook/: verify, then apply each Stripe event exactly once.

Two hops: this use case verifies the signature (400, nothing stored) and fetches from Stripe
what the event type's rule declares it needs, outside any transaction; then it opens the
transaction in which `webhook_events.process_webhook_event` locks the event's row and applies
the rule (effects, outbox events, PROCESSED/IGNORED). On any failure that rolls back, FAILED
is recorded with the error in a second transaction, and the answer is 500 so Stripe
redelivers.
"""

import logging
import time

from django.conf import settings
from django.db import transaction

from application.adapters import stripe_service
from application.dto.billing import HandleStripeWebhookCommand, WebhookReceipt
from application.exceptions import ApplicationError, BillingNotConfigured, WebhookProcessingFailed
from core.metrics import stripe_webhook_last_received_timestamp_seconds, webhook_processing_latency
from monetization.services import webhook_events
from monetization.services.stripe_events import Needs, StripeContext, fetch_plan

logger = logging.getLogger(__name__)


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
    stripe_webhook_last_received_timestamp_seconds.set_to_current_time()
    return process_event(event, started=started)


def process_event(event: dict, *, started: float | None = None, source: str = "webhook") -> WebhookReceipt:
    """Apply a verified event (also the admin's "reprocess" and the reconciliation's missed events)."""
    started = time.perf_counter() if started is None else started
    event_type = event["type"]
    try:
        if webhook_events.already_done(event["id"]):
            receipt = WebhookReceipt(status="duplicate", duplicate=True)
        else:
            context = _fetch_context(event)
            with transaction.atomic():
                delivery = webhook_events.process_webhook_event(event, context, source=source)
            receipt = WebhookReceipt(status=delivery.status, duplicate=delivery.duplicate)
    except Exception as error:
        logger.exception("stripe webhook failed", extra={"stripe_event_id": event["id"], "event_type": event_type})
        with transaction.atomic():
            webhook_events.record_webhook_failure(event, f"{type(error).__name__}: {error}", source=source)
        _observe(event_type, "failed", started)
        raise WebhookProcessingFailed() from error
    _observe(event_type, "duplicate" if receipt.duplicate else receipt.status.lower(), started)
    return receipt


def _fetch_context(event: dict) -> StripeContext:
    needs, stripe_id = fetch_plan(event)
    if needs is Needs.SESSION_SUBSCRIPTION:
        return StripeContext(subscription=stripe_service.retrieve_subscription(stripe_id))
    if needs is Needs.INVOICE_OF_CHARGE:
        return StripeContext(charge_invoice_id=stripe_service.invoice_id_for_payment_intent(stripe_id))
    return StripeContext()


def _observe(event_type: str, outcome: str, started: float) -> None:
    webhook_processing_latency.labels(event_type=event_type, outcome=outcome).observe(time.perf_counter() - started)
