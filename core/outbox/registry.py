"""Handler registry: event type -> handlers, dispatch, and the once-per-event idempotency helpers."""

from collections.abc import Callable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import autodiscover_modules

from core.models import OutboxEvent, ProcessedEvent

Handler = Callable[[OutboxEvent], None]
# Several handlers may react to one event type (a receipt mail and an analytics row).
_handlers: dict[str, list[Handler]] = {}
# Handlers registered with their own time limit (seconds); the others get OUTBOX_HANDLER_TIME_LIMIT_SECONDS.
_time_limits: dict[Handler, float] = {}


class UnknownEventTypeError(Exception):
    """Raised when an event has no registered handler; the event ends FAILED, never lost."""


class LeaseLostError(Exception):
    """Raised (and the handler's writes rolled back) when the worker no longer holds the event's lease."""


def handles(event_type: str, *, time_limit: float | None = None) -> Callable[[Handler], Handler]:
    """Register the decorated function as a handler of `event_type`.

    Every handler of a type runs for each event; if one fails the event is retried and all
    run again, so each must be idempotent (`once_per_event` with its own name). A call that
    runs longer than `time_limit` seconds (default OUTBOX_HANDLER_TIME_LIMIT_SECONDS) fails.
    """

    def register(handler: Handler) -> Handler:
        registered = _handlers.setdefault(event_type, [])
        if handler not in registered:
            registered.append(handler)
        if time_limit is not None:
            _time_limits[handler] = time_limit
        return handler

    return register


def time_limit_of(handler: Handler) -> float:
    return _time_limits.get(handler, settings.OUTBOX_HANDLER_TIME_LIMIT_SECONDS)


def registered_handlers(event_type: str) -> list[Handler]:
    return list(_handlers.get(event_type, []))


def autodiscover_handlers() -> None:
    autodiscover_modules("handlers")


def dispatch(event: OutboxEvent, call: Callable[[Handler, OutboxEvent], None] | None = None) -> None:
    """Run every handler of `event` in registration order, through `call` when given (the worker's time limit)."""
    handlers = _handlers.get(event.event_type)
    if not handlers:
        raise UnknownEventTypeError(f"No handler registered for event type {event.event_type!r}")
    for handler in handlers:
        if call is None:
            handler(event)
        else:
            call(handler, event)


def _check_lease(event: OutboxEvent, *, lock: bool) -> None:
    """Raise LeaseLostError unless the claim `event` came from still holds it.

    With `lock`, the row stays locked until the caller's transaction ends, so no worker can
    take the event over between this check and the commit. An event not claimed by a worker
    (no token: a shell, a test) is not checked.
    """
    if event.lease_token is None:
        return
    held = OutboxEvent.objects.filter(pk=event.pk, status=OutboxEvent.Status.PROCESSING, lease_token=event.lease_token)
    if lock:
        held = held.select_for_update()
    if not held.exists():
        raise LeaseLostError(f"event {event.pk} was taken over by another worker; this worker's lease expired")


def once_per_event(event: OutboxEvent, handler_name: str, effect: Callable[[], None]) -> bool:
    """Run a database `effect` unless it already ran for this event; returns whether it ran now.

    The marker row and the effect's writes commit together, so a redelivered event skips
    the effect. They commit only if this worker still holds the event's lease (checked last,
    under a row lock): a worker that stalled past its lease and was taken over rolls back
    instead of committing over the new holder. For effects outside the database use
    `send_once_per_event`.
    """
    try:
        with transaction.atomic():
            ProcessedEvent.objects.create(event_id=event.pk, handler=handler_name)
            effect()
            _check_lease(event, lock=True)
    except IntegrityError:
        if ProcessedEvent.objects.filter(event_id=event.pk, handler=handler_name).exists():
            return False
        raise
    return True


def send_once_per_event(event: OutboxEvent, handler_name: str, send: Callable[[], None]) -> bool:
    """Run an effect outside the database (a mail) unless it already ran; returns whether it ran now.

    No transaction is open while `send` talks to the network. The worker's lease keeps the
    event with one worker, so checking the marker first does not race another sender, and a
    worker that lost its lease does not send; a crash between the send and the mark repeats
    the send once, which at-least-once delivery allows.
    """
    if ProcessedEvent.objects.filter(event_id=event.pk, handler=handler_name).exists():
        return False
    _check_lease(event, lock=False)
    send()
    ProcessedEvent.objects.get_or_create(event_id=event.pk, handler=handler_name)
    return True
