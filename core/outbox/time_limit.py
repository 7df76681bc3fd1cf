"""A time limit on one handler call: SIGALRM interrupts it in the worker's main thread.

`process_events` dispatches in the main thread, where a timer signal can raise inside a
handler stuck in Python code, a sleep or a socket wait. Elsewhere (a worker run in a
thread, or a process where something else owns SIGALRM) no signal is used: the heartbeat
stops renewing the lease of a handler past its limit, so another worker takes the event over
and the lease token keeps the late handler from writing (see `heartbeat`).
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class HandlerTimeLimitExceeded(Exception):
    """Raised inside a handler that ran past its time limit; the event is retried like any failure."""


class _Alarm:
    def __init__(self) -> None:
        self.message: str | None = None  # set while a limited call runs

    def fire(self, signum, frame) -> None:
        message = self.message
        if message is not None:
            self.message = None
            raise HandlerTimeLimitExceeded(message)


_alarm = _Alarm()


def _alarm_available() -> bool:
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    current = signal.getsignal(signal.SIGALRM)
    return current in (signal.SIG_DFL, _alarm.fire)


@contextmanager
def time_limit(seconds: float, *, description: str):
    """Raise HandlerTimeLimitExceeded in the body once it has run `seconds` (main thread only)."""
    if seconds <= 0 or not _alarm_available():
        yield
        return
    # Installed once and left in place: one timer call on each side of a handler is all it costs.
    if signal.getsignal(signal.SIGALRM) != _alarm.fire:
        signal.signal(signal.SIGALRM, _alarm.fire)
    _alarm.message = f"{description} exceeded its time limit of {seconds:g} s"
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        _alarm.message = None
        signal.setitimer(signal.ITIMER_REAL, 0)
