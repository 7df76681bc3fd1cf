"""Writing events: in the producer's transaction, and re-queueing FAILED ones from the admin."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.models import OutboxEvent


class OutboxError(Exception):
    """Raised for misuse of the outbox (no transaction, duplicate handler)."""


def emit_event(aggregate_type: str, aggregate_id: object, event_type: str, payload: dict) -> OutboxEvent:
    """Write an event in the caller's transaction; it exists only if that transaction commits.

    On PostgreSQL a trigger (migration core 0002) sends NOTIFY with the commit, so idle
    workers wake at once; elsewhere they find the event at their next poll.
    """
    if not transaction.get_connection().in_atomic_block:
        raise OutboxError("emit_event must be called inside transaction.atomic()")
    return OutboxEvent.objects.create(
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        event_type=event_type,
        payload=payload,
        next_retry_at=timezone.now(),
    )


def retry_failed_events(events: QuerySet[OutboxEvent]) -> int:
    """Put the FAILED events among `events` back to PENDING, due now, with a fresh retry budget."""
    return events.filter(status=OutboxEvent.Status.FAILED).update(
        status=OutboxEvent.Status.PENDING,
        retry_count=0,
        lease_expirations=0,
        lease_token=None,
        next_retry_at=timezone.now(),
        locked_by="",
        locked_until=None,
        updated_at=timezone.now(),
    )
