"""What looping outbox workers run on a timer beside dispatch (`core.outbox.periodic`)."""

import logging

from django.conf import settings

from application.dto.billing import ReconcileStripeCommand
from application.use_cases.reconcile_stripe import reconcile_stripe
from core.outbox import periodic

logger = logging.getLogger(__name__)


def stripe_reconcile_interval() -> float:
    """STRIPE_RECONCILE_INTERVAL_MINUTES in seconds; off without a Stripe key (billing is off then)."""
    if not settings.STRIPE_SECRET_KEY:
        return 0
    return settings.STRIPE_RECONCILE_INTERVAL_MINUTES * 60


def reconcile_with_stripe() -> None:
    """`manage.py reconcile_stripe` with its defaults; its outcome as one log line."""
    report = reconcile_stripe(ReconcileStripeCommand())
    if report.locked_out:
        # Expected with several workers or a manual run: the run holding the lock does the work.
        logger.info("stripe reconcile skipped: another run holds the lock")
        return
    summary = {
        "events_fetched": report.events_fetched,
        "events_new": report.events_new,
        "events_failed": report.events_failed,
        "subscriptions_checked": report.subscriptions_checked,
        "subscriptions_repaired": report.subscriptions_repaired,
        "subscriptions_failed": report.subscriptions_failed,
    }
    if report.ok:
        logger.info("stripe reconcile finished", extra=summary)
    else:
        logger.warning("stripe reconcile incomplete", extra={**summary, "error": report.error})


def register_periodic_tasks() -> None:
    periodic.register("stripe_reconcile", stripe_reconcile_interval, reconcile_with_stripe)
