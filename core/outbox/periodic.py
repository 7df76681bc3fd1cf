"""Periodic tasks: work the outbox worker runs on a timer, beside dispatching events.

Apps register tasks (`register(name, interval_seconds, func)`) from their AppConfig.ready;
`core` cannot import the use cases they run, so the registry is filled from the layers above.
A looping worker runs the enabled ones on a second thread, so a slow task (a provider that
takes minutes to answer) never delays dispatch. That thread uses its own database connection
and closes it after each run; a task that raises is logged and tried again at its next turn.

Turns are shared by the fleet through the cache: the worker that adds a task's key runs it,
and the key lives for one interval, so with a shared cache (Redis) a task runs once per
interval however many workers run, and a restart does not start it early. With a per-process
cache each worker keeps its own turns; a task that must never overlap takes its own lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connections

logger = logging.getLogger(__name__)

# How long a stopping worker waits for a running task before exiting without it (the thread
# is a daemon): tasks must be safe to abandon, as after a crash.
STOP_TIMEOUT_SECONDS = 30.0
_CACHE_PREFIX = "outbox-periodic:"


@dataclass(frozen=True)
class PeriodicTask:
    name: str
    interval: Callable[[], float]  # seconds, read when a worker starts; 0 or less: off
    func: Callable[[], object]


_tasks: dict[str, PeriodicTask] = {}


def register(name: str, interval_seconds: float | Callable[[], float], func: Callable[[], object]) -> None:
    """Run `func` every `interval_seconds` in looping workers (a callable is read at each worker's start)."""
    interval = interval_seconds if callable(interval_seconds) else (lambda: interval_seconds)
    _tasks[name] = PeriodicTask(name, interval, func)


def unregister(name: str) -> None:
    _tasks.pop(name, None)


def enabled_tasks() -> list[tuple[PeriodicTask, float]]:
    """The registered tasks that are on, with their interval in seconds."""
    return [(task, seconds) for task in _tasks.values() if (seconds := float(task.interval())) > 0]


class PeriodicRunner:
    """Runs `tasks` (default: the enabled registered ones) on one daemon thread until stopped."""

    def __init__(
        self, tasks: list[tuple[PeriodicTask, float]] | None = None, *, stop_timeout: float = STOP_TIMEOUT_SECONDS
    ) -> None:
        self.tasks = enabled_tasks() if tasks is None else tasks
        self.stop_timeout = stop_timeout
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_turn: dict[str, float] = {}  # task name -> monotonic time to look again

    def start(self) -> None:
        """Start the thread; none when no task is on."""
        if self.tasks and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="outbox-periodic", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Ask the thread to stop and wait up to `stop_timeout` for a running task to finish."""
        self._stopping.set()
        if self._thread is None:
            return
        self._thread.join(timeout=self.stop_timeout)
        if self._thread.is_alive():
            logger.warning(
                "periodic task still running at stop; exiting without it",
                extra={"waited_seconds": self.stop_timeout},
            )
        self._thread = None

    def run_due(self) -> list[str]:
        """Run each task whose turn has come here and that this worker takes; returns their names."""
        ran = []
        for task, seconds in self.tasks:
            if self._stopping.is_set() or time.monotonic() < self._next_turn.get(task.name, 0.0):
                continue
            wait = _claim_turn(task.name, seconds)
            if wait == 0:
                _run_once(task)
                ran.append(task.name)
                wait = seconds
            self._next_turn[task.name] = time.monotonic() + wait
        return ran

    def _run(self) -> None:
        while not self._stopping.is_set():
            self.run_due()
            self._stopping.wait(max(min(self._next_turn.values(), default=0.0) - time.monotonic(), 0.0))


def _claim_turn(name: str, seconds: float) -> float:
    """0 when this worker took the turn, else the seconds until the current one ends."""
    key = _CACHE_PREFIX + name
    now = time.time()
    try:
        if cache.add(key, now, timeout=seconds):
            return 0.0
        taken_at = cache.get(key)
    except Exception as error:  # noqa: BLE001 - the cache is down: keep this worker's own turns
        logger.warning("periodic task turns unavailable", extra={"task": name, "error": str(error)})
        return 0.0
    if taken_at is None:
        return min(seconds, 1.0)  # expired just now: try again shortly
    return max(taken_at + seconds - now, min(seconds, 1.0))


def _run_once(task: PeriodicTask) -> None:
    try:
        task.func()
    except Exception:  # a failing task must not stop the worker or its other tasks
        logger.exception("periodic task failed", extra={"task": task.name})
    finally:
        connections.close_all()  # this thread's own connections; the next run opens afresh
