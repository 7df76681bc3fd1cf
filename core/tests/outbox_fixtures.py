"""Throwaway outbox event types for tests: a handler that records what it was given, and events to feed it."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction

from core import outbox
from core.models import OutboxEvent
from core.outbox import emit_event, handles


@contextmanager
def throwaway_handler(event_type: str, handler: Callable) -> Iterator[None]:
    """Handle `event_type` with `handler` until the block ends."""
    handles(event_type)(handler)
    try:
        yield
    finally:
        outbox._handlers.pop(event_type, None)


@contextmanager
def recording_handler(event_type: str) -> Iterator[list[str]]:
    """Handle `event_type` by recording the id of each event given, until the block ends."""
    seen: list[str] = []
    with throwaway_handler(event_type, lambda event: seen.append(str(event.pk))):
        yield seen


def emit_numbered(count: int = 1, *, event_type: str, aggregate_id: object = None) -> list[OutboxEvent]:
    """`count` events numbered 0.. in their payload, each its own aggregate unless `aggregate_id` names one."""
    with transaction.atomic():
        return [
            emit_event("TEST", n if aggregate_id is None else aggregate_id, event_type, {"n": n}) for n in range(count)
        ]
