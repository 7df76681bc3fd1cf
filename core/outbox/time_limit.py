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
from collections.abc import Callable


class HandlerTimeLimitExceeded(Exception):
    """Raised inside a handler that ran past its time limit; the event is retried like any failure."""


class _Alarm:
    """The one SIGALRM handler: raises in the handler call it was armed for, ignores a late signal."""

    def __init__(self) -> None:
        self.handler: Callable | None = None  # the call being timed
        self.seconds = 0.0

    def fire(self, signum, frame) -> None:
        handler, self.handler = self.handler, None
        if handler is not None:
            name = f"{handler.__module__}.{handler.__qualname__}"
            raise HandlerTimeLimitExceeded(f"handler {name} exceeded its time limit of {self.seconds:g} s")


_alarm = _Alarm()


def alarm_available() -> bool:
    """Whether `arm` can use SIGALRM here: the main thread, and nobody else owns the signal."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        return False
    current = signal.getsignal(signal.SIGALRM)
    if current == _alarm.fire:
        return True
    if current is not signal.SIG_DFL:
        return False
    signal.signal(signal.SIGALRM, _alarm.fire)  # installed once, left in place
    return True


def arm(handler: Callable, seconds: float) -> None:
    """Raise HandlerTimeLimitExceeded in `handler`'s call after `seconds`; only after `alarm_available()`."""
    _alarm.handler, _alarm.seconds = handler, seconds
    signal.setitimer(signal.ITIMER_REAL, seconds)


def disarm() -> None:
    _alarm.handler = None
    signal.setitimer(signal.ITIMER_REAL, 0)
