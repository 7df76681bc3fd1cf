"""Handler registry: event type -> handlers, dispatch, and the once-per-event idempotency helper."""

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.utils.module_loading import autodiscover_modules

from core.models import OutboxEvent, ProcessedEvent

Handler = Callable[[OutboxEvent], None]
# Several handlers may react to one event type (a receipt mail and an analytics row).
_handlers: dict[str, list[Handler]] = {}


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


def dispatch(event: OutboxEvent) -> None:
    handlers = _handlers.get(event.event_type)
    if not handlers:
        raise UnknownEventTypeError(f"No handler registered for event type {event.event_type!r}")
    for handler in handlers:
        handler(event)


def once_per_event(event: OutboxEvent, handler_name: str, effect: Callable[[], None]) -> bool:
    """Run a database `effect` unless it already ran for this event; returns whether it ran now.

    The marker row and the effect's writes commit together, so a redelivered event skips
    the effect. For effects outside the database use `send_once_per_event`.
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


def send_once_per_event(event: OutboxEvent, handler_name: str, send: Callable[[], None]) -> bool:
    """Run an effect outside the database (a mail) unless it already ran; returns whether it ran now.

    No transaction is open while `send` talks to the network. The worker's lease keeps the
    event with one worker, so checking the marker first does not race another sender; a crash
    between the send and the mark repeats the send once, which at-least-once delivery allows.
    """
    if ProcessedEvent.objects.filter(event_id=event.pk, handler=handler_name).exists():
        return False
    send()
    ProcessedEvent.objects.get_or_create(event_id=event.pk, handler=handler_name)
    return True
