"""The heartbeat: a thread that renews the lease of the claim its worker is dispatching.

A handler may legitimately run longer than the lease (a slow provider, a big export); the
worker's thread is busy inside it, so a second thread renews the lease every quarter lease
while a claim is held, on its own database connection. A batch that finishes within a
quarter lease (the usual case) costs nothing: the thread only wakes, sees nothing to do and
sleeps again. The heartbeat stops renewing once the running handler is past its time limit,
so a handler that hangs where no signal reaches it loses its lease and is taken over; a
worker that is frozen (SIGSTOP, a VM pause) or dead renews nothing, by construction.

The heartbeat also keeps the completions of the worker's last batch (`unwritten`) until its
next claim writes them in the same statement, and writes them itself when closed, so a
stopping worker leaves no finished event PROCESSING.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import DatabaseError, connection

from core.outbox.leases import Claim, Completion, record_completed, renew_lease

logger = logging.getLogger(__name__)


class LeaseHeartbeat:
    """Renews the lease of the claim passed to `hold()` until it is released; `close()` ends the thread."""

    def __init__(self, *, lease_seconds: float | None = None) -> None:
        lease = settings.OUTBOX_LEASE_SECONDS if lease_seconds is None else lease_seconds
        self.interval = lease / 4  # renewed at most two intervals after the last one: half the lease left
        self._claim: Claim | None = None
        # Set and taken by the worker's thread only.
        self.unwritten: Completion | None = None
        self._closed = threading.Event()
        self._thread: threading.Thread | None = None

    def hold(self, claim: Claim) -> None:
        self._claim = claim
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="outbox-heartbeat", daemon=True)
            self._thread.start()

    def release(self) -> None:
        self._claim = None

    def close(self) -> None:
        self._claim = None
        try:
            self.write_unwritten()
        except DatabaseError as error:
            # Their leases will expire and the events be delivered again, as at-least-once allows.
            logger.warning("outbox completions not written", extra={"error": str(error)})
        self._closed.set()
        if self._thread is not None:
            self._thread.join(timeout=max(self.interval, 5.0))
            self._thread = None

    def write_unwritten(self) -> None:
        """Mark the kept completions COMPLETED now (the worker's thread)."""
        completion, self.unwritten = self.unwritten, None
        if completion is None:
            return
        report_written(completion, record_completed(completion.claim, completion.events))

    def __enter__(self) -> LeaseHeartbeat:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def _run(self) -> None:
        try:
            while not self._closed.wait(self.interval):
                claim = self._claim
                if claim is not None and self._renewal_due(claim):
                    self._renew(claim)
        finally:
            connection.close()  # this thread's own connection

    def _renewal_due(self, claim: Claim) -> bool:
        now = time.monotonic()
        deadline = claim.handler_deadline
        if deadline is not None and now > deadline + self.interval:
            return False  # a handler past its time limit: let the lease lapse
        return now - claim.renewed_at >= self.interval

    def _renew(self, claim: Claim) -> None:
        try:
            renew_lease(claim)
        except DatabaseError as error:
            # The lease may lapse; the token keeps a late outcome out. Retry at the next beat.
            logger.warning("outbox lease renewal failed", extra={"worker_id": claim.worker_id, "error": str(error)})
            connection.close()


def report_written(completion: Completion, written: int) -> None:
    """Warn when fewer of `completion`'s events were marked COMPLETED than succeeded."""
    if written < len(completion.events):
        logger.warning("outbox lease lost before completion", extra={"worker_id": completion.claim.worker_id})
