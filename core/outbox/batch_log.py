"""What a worker logs about its batches: visibly alive, without a JSON line for every batch.

At batch size 1 formatting and writing a JSON line cost about as much as the batch's own
Python work, so a batch whose events all completed is logged at DEBUG only, and an INFO
`outbox progress` line sums the batches of the last `PROGRESS_SECONDS` (the first batch of a
worker is reported at once). A batch with a retry, a failure or a lost lease still gets its
own INFO `outbox batch` line. Idle polls log nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

logger = logging.getLogger("core.outbox.worker")

PROGRESS_SECONDS = 10.0
_COUNTS = ("claimed", "completed", "retried", "failed", "lost")


class BatchLog:
    """Log lines about batches, with totals kept per worker id between two progress lines."""

    def __init__(self, *, every: float = PROGRESS_SECONDS, clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every
        self._clock = clock
        self._totals: dict[str, dict] = {}
        self._logged_at: dict[str, float] = {}

    def batch(self, worker_id: str, claimed: int, outcomes: dict[str, int], seconds: float) -> None:
        """Record one batch: `claimed` events dispatched, with `outcomes` counted per kind."""
        if outcomes["completed"] != claimed:
            logger.info("outbox batch", extra=_line(worker_id, claimed, outcomes, seconds))
        elif logger.isEnabledFor(logging.DEBUG):
            logger.debug("outbox batch", extra=_line(worker_id, claimed, outcomes, seconds))
        totals = self._totals.get(worker_id)
        if totals is None:
            totals = self._totals[worker_id] = dict.fromkeys(("batches", *_COUNTS, "busy_seconds"), 0)
        totals["batches"] += 1
        totals["claimed"] += claimed
        for kind in _COUNTS[1:]:
            totals[kind] += outcomes[kind]
        totals["busy_seconds"] += seconds
        now = self._clock()
        logged_at = self._logged_at.get(worker_id)
        if logged_at is None or now - logged_at >= self.every:
            window = 0.0 if logged_at is None else now - logged_at
            totals["busy_seconds"] = round(totals["busy_seconds"], 3)
            logger.info("outbox progress", extra={"worker_id": worker_id, **totals, "seconds": round(window, 3)})
            self._logged_at[worker_id] = now
            del self._totals[worker_id]


def _line(worker_id: str, claimed: int, outcomes: dict[str, int], seconds: float) -> dict:
    return {"worker_id": worker_id, "claimed": claimed, **outcomes, "seconds": round(seconds, 3)}
