"""Transactional outbox: events are written with the state change and dispatched by workers.

Producers call `emit_event` inside their transaction. Handlers register with `@handles(...)`
in their app's `handlers.py`. Workers (`manage.py process_events`) claim due events under a
lease, dispatch them and record the outcomes; delivery is at-least-once, so handlers must be
idempotent (see `once_per_event` and `send_once_per_event`). Modules: `producer` (writing), `registry` (handlers),
`leases` (claims and outcomes), `heartbeat` (lease renewal), `time_limit` (per handler call), `worker` (the loop),
`wakeup` (LISTEN/NOTIFY), `periodic` (timed tasks the looping worker runs beside dispatch),
`batch_log` (what the worker logs about its batches), `statements` (the worker's PostgreSQL statements).
"""

from core.outbox.leases import backoff_delay
from core.outbox.producer import OutboxError, emit_event, retry_failed_events
from core.outbox.registry import (
    Handler,
    LeaseLostError,
    UnknownEventTypeError,
    _handlers,
    autodiscover_handlers,
    handles,
    once_per_event,
    registered_handlers,
    send_once_per_event,
)
from core.outbox.time_limit import HandlerTimeLimitExceeded
from core.outbox.worker import OutboxWorker, default_worker_id, process_outbox

__all__ = [
    "Handler",
    "HandlerTimeLimitExceeded",
    "LeaseLostError",
    "OutboxError",
    "OutboxWorker",
    "UnknownEventTypeError",
    "_handlers",
    "autodiscover_handlers",
    "backoff_delay",
    "default_worker_id",
    "emit_event",
    "handles",
    "once_per_event",
    "process_outbox",
    "registered_handlers",
    "send_once_per_event",
    "retry_failed_events",
]
