"""Dispatching claimed events, and the long-running worker loop behind `process_events --loop`."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone

from core.models import OutboxEvent
from core.outbox.batch_log import BatchLog
from core.outbox.heartbeat import LeaseHeartbeat, report_written
from core.outbox.leases import Claim, Completion, claim_batch, gives_up, next_due_at, record_failed
from core.outbox.periodic import PeriodicRunner
from core.outbox.registry import Handler, LeaseLostError, UnknownEventTypeError, dispatch, time_limit_of
from core.outbox.time_limit import HandlerTimeLimitExceeded, HandlerTimer
from core.outbox.wakeup import Sleeper

logger = logging.getLogger(__name__)

# One per process: a worker's progress line sums its batches between two lines.
_batch_log = BatchLog()

# Shortest idle wait: events due "now" but not claimed are being claimed by another worker.
_MIN_IDLE_SECONDS = 0.05


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def process_outbox(
    limit: int = 10, worker_id: str = "worker", *, ordered: bool = False, heartbeat: LeaseHeartbeat | None = None
) -> int:
    """Claim up to `limit` due events, dispatch each and record the outcomes; returns how many were claimed.

    A failing handler affects only its own event. `heartbeat` (a temporary one when None)
    renews the lease while the batch runs and keeps the batch's successes until the next call
    writes them with its claim, in one statement (or until the heartbeat is closed); a batch
    slower than half the lease writes them sooner.
    """
    if heartbeat is None:
        with LeaseHeartbeat() as temporary:
            claimed = process_outbox(limit, worker_id, ordered=ordered, heartbeat=temporary)
            temporary.write_unwritten()
        return claimed
    started = time.monotonic()
    completing = heartbeat.unwritten
    claim = claim_batch(limit=limit, worker_id=worker_id, ordered=ordered, completing=completing)
    heartbeat.unwritten = None  # written (if the claim failed they stay for the next one)
    if completing is not None:
        report_written(completing, claim.previous_completed)
    if claim.events:
        outcomes = _dispatch_claim(claim, heartbeat)
        _batch_log.batch(worker_id, len(claim.events), outcomes, time.monotonic() - started)
    return claim.count


def _dispatch_claim(claim: Claim, heartbeat: LeaseHeartbeat) -> dict[str, int]:
    """Dispatch every claimed event; returns how many completed, will be retried, failed for good
    or were lost to another worker. The successes are left to `heartbeat.unwritten`."""
    outcomes = {"completed": 0, "retried": 0, "failed": 0, "lost": 0}
    # An event that already lost a lease (its handler may kill the worker) runs after the rest,
    # once their outcomes are written, so it cannot take a batch's work down with it again.
    order = [event for event in claim.events if not event.lease_expirations]
    order += [event for event in claim.events if event.lease_expirations]
    succeeded: list[OutboxEvent] = []
    written_at = claim.claimed_at
    claim.timer = HandlerTimer(alarm=True)
    heartbeat.hold(claim)
    try:
        for event in order:
            # Outcomes known are written before a suspect event, and every half lease in a slow batch.
            if succeeded and (event.lease_expirations or time.monotonic() - written_at > claim.lease_seconds / 2):
                heartbeat.unwritten = Completion(claim, succeeded)
                heartbeat.write_unwritten()
                succeeded = []
                written_at = time.monotonic()
            if claim.lost(event):
                outcomes["lost"] += 1
                continue  # another worker took it over while this batch ran
            outcome = _run_handlers(claim, event)
            outcomes[outcome] += 1
            if outcome == "completed":
                succeeded.append(event)
    finally:
        heartbeat.release()
        claim.timer.close()
        if succeeded:
            heartbeat.unwritten = Completion(claim, succeeded)
    return outcomes


def _run_handlers(claim: Claim, event: OutboxEvent) -> str:
    """Dispatch `event`, each handler call under its time limit, and record a failure; returns
    "completed", "retried" or "failed"."""
    timer = claim.timer

    def call(handler: Handler, event: OutboxEvent) -> None:
        timer.start(handler, time_limit_of(handler))
        try:
            handler(event)
        finally:
            timer.stop()

    try:
        dispatch(event, call)
    except Exception as error:  # noqa: BLE001 - a failing handler must not stop the batch
        if isinstance(error, LeaseLostError):
            logger.warning("outbox lease lost during a handler", extra={"event_id": str(event.pk)})
        else:
            logger.warning(
                "outbox handler failed",
                extra={"event_id": str(event.pk), "event_type": event.event_type, "error": str(error)},
            )
        if isinstance(error, HandlerTimeLimitExceeded) and not connection.in_atomic_block:
            connection.close()  # the signal may have cut a query short: start the next one afresh
        final = isinstance(error, UnknownEventTypeError)
        record_failed(claim, event, error, final=final)
        return "failed" if gives_up(event, final=final) else "retried"
    return "completed"


class OutboxWorker:
    """Claims and dispatches batches until stopped, sleeping on LISTEN/NOTIFY (or polling) when idle."""

    def __init__(
        self,
        *,
        worker_id: str,
        batch_size: int,
        interval: float,
        ordered: bool = False,
        max_events: int | None = None,
        max_runtime: float | None = None,
        synchronous_commit: bool = False,
        periodic: PeriodicRunner | None = None,
    ) -> None:
        self.worker_id = worker_id
        self.batch_size = batch_size
        self.interval = interval
        self.ordered = ordered
        self.max_events = max_events
        self.max_runtime = max_runtime
        self.synchronous_commit = synchronous_commit
        self.processed = 0
        self._configured_connection = None
        self._stopping = threading.Event()
        self._sleeper = Sleeper()
        self._heartbeat = LeaseHeartbeat()
        # The registered periodic tasks (Stripe reconciliation) run beside dispatch, never in its way.
        self._periodic = PeriodicRunner() if periodic is None else periodic

    def stop(self) -> None:
        """Finish the current batch (and a running periodic task, for a bounded time), then return
        from `run`; safe from a signal handler."""
        self._stopping.set()
        self._sleeper.wake()

    def run(self) -> int:
        """Work until `stop()`, `max_events` or `max_runtime`; returns how many events were claimed."""
        deadline = None if self.max_runtime is None else time.monotonic() + self.max_runtime
        try:
            self._sleeper.listen()
            self._refresh_connection()
            self._periodic.start()
            while not self._done(deadline):
                limit = self.batch_size
                if self.max_events is not None:
                    limit = min(limit, self.max_events - self.processed)
                try:
                    claimed = process_outbox(limit, self.worker_id, ordered=self.ordered, heartbeat=self._heartbeat)
                except (OperationalError, InterfaceError) as error:
                    # The database went away: back off, reconnect, and let leases cover the batch.
                    logger.warning("outbox worker lost the database", extra={"error": str(error)})
                    connection.close()
                    self._sleeper.sleep(min(self.interval, 5.0))
                    self._refresh_connection()
                    continue
                self.processed += claimed
                if claimed == 0 and not self._done(deadline):
                    self._sleeper.sleep(self._idle_timeout(deadline))
                    # Only after idling: a health check per batch would cost a round trip each.
                    self._refresh_connection()
        finally:
            self._periodic.stop()
            self._heartbeat.close()
            self._sleeper.close()
        return self.processed

    def _refresh_connection(self) -> None:
        if connection.in_atomic_block:
            return  # inside a test's transaction: the connection is not ours to recycle
        close_old_connections()
        self._configure_connection()

    def _configure_connection(self) -> None:
        """Commit this worker's writes asynchronously (PostgreSQL), unless asked not to.

        Safe under at-least-once delivery: a database crash can lose only the last few hundred
        milliseconds of commits, i.e. claims, completions and handler writes of events that are
        then delivered again; WAL order keeps every later synchronous commit consistent.
        Not behind a transaction pooler: the SET would stay on a pooled server session and make
        some web request's commit asynchronous (a role setting does it there, docs/operations.md).
        """
        if self.synchronous_commit or connection.vendor != "postgresql" or settings.DATABASE_POOLER:
            return
        connection.ensure_connection()
        if connection.connection is not self._configured_connection:
            with connection.cursor() as cursor:
                cursor.execute("SET synchronous_commit TO off")
            self._configured_connection = connection.connection

    def _done(self, deadline: float | None) -> bool:
        if self._stopping.is_set():
            return True
        if self.max_events is not None and self.processed >= self.max_events:
            return True
        return deadline is not None and time.monotonic() >= deadline

    def _idle_timeout(self, deadline: float | None) -> float:
        timeout = self.interval
        due = next_due_at(ordered=self.ordered)
        if due is not None:
            timeout = min(timeout, max((due - timezone.now()).total_seconds(), _MIN_IDLE_SECONDS))
        if deadline is not None:
            timeout = min(timeout, deadline - time.monotonic())
        return timeout
