"""Transactional outbox: events are written with the state change and dispatched by a worker.

Producers call `emit_event` inside their transaction. Handlers register with `@handles(...)`
in their app's `handlers.py`. `process_outbox` claims due events, dispatches each one and
records the outcome; delivery is at-least-once, so handlers must be idempotent
(see `once_per_event`).
"""

import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from core.models import OutboxEvent, ProcessedEvent

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
# Several handlers may react to one event type (a receipt mail and an analytics row).
_handlers: dict[str, list[Handler]] = {}


class OutboxError(Exception):
    """Raised for misuse of the outbox (no transaction, duplicate handler)."""


class UnknownEventTypeError(Exception):
    """Raised when an event has no registered handler; the event ends FAILED, never lost."""


def handles(event_type: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as a handler of `event_type`.

    Every handler of a type runs for each event; if one fails the event is retried and all
    run again, so each must be idempotent (`once_per_event` with its own name).
    """

    def register(handler: Handler) -> Handler:
        registered = _handlers.setdefault(event_type, [])
        if handler not in registered:
            registered.append(handler)
        return handler

    return register


def registered_handlers(event_type: str) -> list[Handler]:
    return list(_handlers.get(event_type, []))


def autodiscover_handlers() -> None:
    autodiscover_modules("handlers")


def emit_event(aggregate_type: str, aggregate_id: object, event_type: str, payload: dict) -> OutboxEvent:
    """Write an event in the caller's transaction; it exists only if that transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise OutboxError("emit_event must be called inside transaction.atomic()")
    return OutboxEvent.objects.create(
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        event_type=event_type,
        payload=payload,
        next_retry_at=timezone.now(),
    )


def once_per_event(event: OutboxEvent, handler_name: str, effect: Callable[[], None]) -> bool:
    """Run `effect` unless it already ran for this event; returns whether it ran now.

    The marker row and the effect's own database writes commit together, so a redelivered
    event skips the effect. An effect outside the database (a mail) that succeeds just
    before a crash can still repeat once: at-least-once is the contract.
    """
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(event_id=event.pk, handler=handler_name)
            effect()
    except IntegrityError:
        if ProcessedEvent.objects.filter(event_id=event.pk, handler=handler_name).exists():
            return False
        raise
    return True


def backoff_delay(retry_count: int) -> timedelta:
    return timedelta(seconds=2**retry_count)


def _claim(limit: int, worker_id: str) -> list[OutboxEvent]:
    now = timezone.now()
    with transaction.atomic():
        due = OutboxEvent.objects.filter(status=OutboxEvent.Status.PENDING, next_retry_at__lte=now).order_by(
            "next_retry_at"
        )
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        events = list(due[:limit])
        lease_until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(
            status=OutboxEvent.Status.PROCESSING, locked_by=worker_id, locked_until=lease_until
        )
    return events


def _dispatch(event: OutboxEvent) -> None:
    handlers = _handlers.get(event.event_type)
    if not handlers:
        raise UnknownEventTypeError(f"No handler registered for event type {event.event_type!r}")
    for handler in handlers:
        handler(event)


def _record_success(event: OutboxEvent, worker_id: str) -> None:
    OutboxEvent.objects.filter(pk=event.pk, locked_by=worker_id).update(
        status=OutboxEvent.Status.COMPLETED, processed_at=timezone.now(), locked_by="", locked_until=None
    )


def _record_failure(event: OutboxEvent, worker_id: str, error: Exception) -> None:
    retry_count = event.retry_count + 1
    final = retry_count >= settings.OUTBOX_MAX_RETRIES or isinstance(error, UnknownEventTypeError)
    OutboxEvent.objects.filter(pk=event.pk, locked_by=worker_id).update(
        status=OutboxEvent.Status.FAILED if final else OutboxEvent.Status.PENDING,
        retry_count=retry_count,
        next_retry_at=timezone.now() + backoff_delay(retry_count),
        error_message=f"{type(error).__name__}: {error}"[:4000],
        locked_by="",
        locked_until=None,
    )


def process_outbox(limit: int = 10, worker_id: str = "worker") -> int:
    """Claim up to `limit` due events and dispatch them; returns how many were claimed."""
    events = _claim(limit, worker_id)
    for event in events:
        try:
            _dispatch(event)
        except Exception as error:  # noqa: BLE001 - a failing handler must not stop the batch
            logger.warning(
                "outbox handler failed",
                extra={"event_id": str(event.pk), "event_type": event.event_type, "error": str(error)},
            )
            _record_failure(event, worker_id, error)
        else:
            _record_success(event, worker_id)
    return len(events)
