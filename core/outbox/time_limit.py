"""A time limit on each handler call: SIGALRM interrupts it in the worker's main thread.

`process_events` dispatches in the main thread, where a timer signal can raise inside a
handler stuck in Python code, a sleep or a socket wait. One timer serves a whole batch: it
is armed when the batch starts and, when it fires, raises only if the running call is past
its own deadline, else it re-arms for that deadline; so a handler call costs no system call.
Elsewhere (a worker run in a thread, or a process where something else owns SIGALRM) no
signal is used: the heartbeat stops renewing the lease of a handler past its limit, so
another worker takes the event over and the lease token keeps the late handler from writing.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable


class HandlerTimeLimitExceeded(Exception):
    """Raised inside a handler that ran past its time limit; the event is retried like any failure."""


class HandlerTimer:
    """Deadlines of the handler calls of one batch; with `alarm`, enforced by SIGALRM."""

    def __init__(self, *, alarm: bool) -> None:
        self.alarm = alarm and _take_alarm()
        self.deadline: float | None = None  # of the running call (read by the heartbeat too)
        self._handler: Callable | None = None
        self._seconds = 0.0
        self._fires_at = float("inf")

    def start(self, handler: Callable, seconds: float) -> None:
        now = time.monotonic()
        self._handler, self._seconds, self.deadline = handler, seconds, now + seconds
        if self.alarm and self.deadline < self._fires_at:
            self._arm(now, self.deadline)

    def stop(self) -> None:
        self.deadline = self._handler = None

    def close(self) -> None:
        self.stop()
        if self.alarm:
            global _running
            _running = None
            signal.setitimer(signal.ITIMER_REAL, 0)

    def _arm(self, now: float, at: float) -> None:
        global _running
        _running = self
        self._fires_at = at
        signal.setitimer(signal.ITIMER_REAL, max(at - now, 0.001))

    def _fire(self) -> None:
        now, deadline, handler = time.monotonic(), self.deadline, self._handler
        self._fires_at = float("inf")
        if deadline is None or handler is None:
            return  # between calls: the next call arms the timer again
        if now < deadline:
            self._arm(now, deadline)  # a later call than the one the timer was set for
            return
        self.stop()
        name = f"{handler.__module__}.{handler.__qualname__}"
        raise HandlerTimeLimitExceeded(f"handler {name} exceeded its time limit of {self._seconds:g} s")


_running: HandlerTimer | None = None


def _on_alarm(signum, frame) -> None:
    timer = _running
    if timer is not None:
        timer._fire()


def _take_alarm() -> bool:
    """Install the SIGALRM handler if this is the main thread and nobody else owns the signal."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    current = signal.getsignal(signal.SIGALRM)
    if current is _on_alarm:
        return True
    if current is not signal.SIG_DFL:
        return False
    signal.signal(signal.SIGALRM, _on_alarm)  # installed once, left in place
    return True
