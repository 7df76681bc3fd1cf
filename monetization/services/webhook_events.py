"""Stripe deliveries: one WebhookEvent row per event id, the effect committed with its status.

Concurrent deliveries of one event serialise on that row: the insert is `ON CONFLICT DO
NOTHING` and the row is then locked (`SELECT ... FOR UPDATE`), so the second delivery waits
for the first to commit and then sees it PROCESSED. There is no check-then-insert window.
"""

from dataclasses import dataclass

from django.utils import timezone

from core.transactions import require_transaction
from monetization.models import WebhookEvent
from monetization.services.stripe_events import StripeContext, apply_stripe_event

DONE = (WebhookEvent.Status.PROCESSED, WebhookEvent.Status.IGNORED)
WEBHOOK = WebhookEvent.Source.WEBHOOK


def done_ids(stripe_event_ids: list[str]) -> set[str]:
    """Which of these events are already applied (PROCESSED or IGNORED), in one query."""
    return set(
        WebhookEvent.objects.filter(stripe_id__in=stripe_event_ids, status__in=DONE).values_list("stripe_id", flat=True)
    )


@dataclass(frozen=True)
class Delivery:
    status: str
    duplicate: bool
    reason: str = ""


def already_done(stripe_event_id: str) -> bool:
    """A cheap pre-check that spares Stripe calls for a redelivered event (the lock decides)."""
    return WebhookEvent.objects.filter(stripe_id=stripe_event_id, status__in=DONE).exists()


def _insert_or_lock(event: dict, source: str) -> WebhookEvent:
    WebhookEvent.objects.bulk_create(
        [WebhookEvent(stripe_id=event["id"], event_type=event["type"], payload=event, source=source)],
        ignore_conflicts=True,
    )
    return WebhookEvent.objects.select_for_update().get(stripe_id=event["id"])


def process_webhook_event(event: dict, context: StripeContext, *, source: str = WEBHOOK) -> Delivery:
    """Apply `event` once per event id; its effects, outbox events and the row's status commit together
    in the caller's transaction.

    An exception rolls everything back (the row too, if this delivery created it) and
    propagates; the caller then records the failure with `record_webhook_failure`.
    """
    require_transaction()
    row = _insert_or_lock(event, source)
    if row.status in DONE:
        return Delivery(status=row.status, duplicate=True)
    outcome = apply_stripe_event(event, context)
    row.status = outcome.status
    row.error_message = outcome.reason
    row.processed_at = timezone.now()
    row.save(update_fields=["status", "error_message", "processed_at", "updated_at"])
    return Delivery(status=outcome.status, duplicate=False, reason=outcome.reason)


def record_webhook_failure(event: dict, error_message: str, *, source: str = WEBHOOK) -> None:
    """FAILED with the error, so a redelivery retries: in a new transaction, after the effect's rolled back."""
    require_transaction()
    row = _insert_or_lock(event, source)
    if row.status in DONE:
        return  # a concurrent delivery succeeded meanwhile
    row.status = WebhookEvent.Status.FAILED
    row.error_message = error_message[:4000]
    row.processed_at = None
    row.save(update_fields=["status", "error_message", "processed_at", "updated_at"])
