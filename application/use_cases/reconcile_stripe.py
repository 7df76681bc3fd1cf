"""Catch up with Stripe: apply the events it sent while our webhook missed them, then repair drift.

First every handled event of the window is listed (all pages, before anything is applied,
so Stripe failing mid-listing leaves nothing half-done); each one not yet applied goes
through the webhook's own `process_event`, oldest first, stored with `source=reconcile`.
Then each local subscription Stripe has not ended is retrieved and, where ours differs,
Stripe's state is applied by the same service the subscription events use (audited).
One run at a time (`reconcile_lock`); a second one returns at once, `locked_out`.
"""

import datetime
import logging
import time

from django.db import transaction

from application.adapters import stripe_service
from application.dto.billing import ReconcileReport, ReconcileStripeCommand
from application.exceptions import ApplicationError
from application.use_cases.handle_stripe_webhook import process_event
from core.metrics import stripe_reconcile_repairs_total
from monetization.models import WebhookEvent
from monetization.services import subscriptions, webhook_events
from monetization.services.reconcile_lock import reconcile_lock
from monetization.services.stripe_events import RULES

logger = logging.getLogger(__name__)

# Stripe keeps events for 30 days: a longer window would silently list less than it claims.
MAX_WINDOW_HOURS = 30 * 24


def reconcile_stripe(command: ReconcileStripeCommand) -> ReconcileReport:
    report = ReconcileReport()
    with reconcile_lock() as acquired:
        if not acquired:
            report.locked_out = True
            return report
        try:
            _catch_up_events(command, report)
        except ApplicationError as error:
            report.error = f"Listing Stripe events failed ({error.message}); nothing was applied. Run it again."
            logger.warning("stripe reconcile stopped while listing events", extra={"error": error.message})
            return report
        _repair_subscriptions(command, report)
    return report


def _catch_up_events(command: ReconcileStripeCommand, report: ReconcileReport) -> None:
    hours = max(0, min(command.since_hours, MAX_WINDOW_HOURS))
    since = int(time.time()) - int(datetime.timedelta(hours=hours).total_seconds())
    events = stripe_service.list_events(types=sorted(RULES), created_gte=since, page_size=command.page_size)
    report.events_fetched = len(events)
    done = webhook_events.done_ids([event["id"] for event in events])
    missing = [event for event in events if event["id"] not in done]
    report.events_new = len(missing)
    for event in missing:
        if command.dry_run:
            report.would_apply.append(f"apply {event['type']} {event['id']}")
            continue
        try:
            receipt = process_event(event, source=WebhookEvent.Source.RECONCILE)
        except ApplicationError:
            report.events_failed += 1  # recorded FAILED with its error, like a failed delivery
        else:
            if not receipt.duplicate:
                stripe_reconcile_repairs_total.labels(kind="event").inc()


def _repair_subscriptions(command: ReconcileStripeCommand, report: ReconcileReport) -> None:
    for stripe_id in subscriptions.unfinished_stripe_subscription_ids():
        report.subscriptions_checked += 1
        try:
            data = stripe_service.retrieve_subscription(stripe_id)
        except ApplicationError as error:
            report.subscriptions_failed += 1
            logger.warning("stripe reconcile could not retrieve a subscription", extra={"error": error.message})
            continue
        if command.dry_run:
            if subscriptions.differs_from_stripe(data):
                report.subscriptions_repaired += 1
                report.would_apply.append(f"repair subscription {stripe_id} to Stripe's {data.get('status')}")
            continue
        if _repair(data):
            report.subscriptions_repaired += 1


def reconcile_subscription(stripe_id: str) -> bool:
    """Retrieve one subscription from Stripe and apply its state where ours differs (the admin's
    "reconcile now"); True when something was repaired. Stripe failing raises its ApplicationError."""
    return _repair(stripe_service.retrieve_subscription(stripe_id))


def _repair(data: dict) -> bool:
    with transaction.atomic():
        repaired = subscriptions.repair_from_stripe(data)
    if not repaired:
        return False
    stripe_reconcile_repairs_total.labels(kind="subscription").inc()
    logger.info("stripe reconcile repaired a subscription", extra={"stripe_subscription_id": data.get("id")})
    return True
