"""Handlers for worker subprocesses in tests (`process_events --handlers-module` this module).

`test.recorded_in_file` appends "<pid> <event id>" to OUTBOX_TEST_RECORD_FILE with one
unbuffered write per dispatch, so a line exists even if the process is killed right after.
With OUTBOX_TEST_STALL_AFTER=n the process hangs after its n-th dispatch, mid-batch.
"""

import os
import time

from core.outbox import handles

_record_fd = os.open(os.environ["OUTBOX_TEST_RECORD_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
_stall_after = int(os.environ.get("OUTBOX_TEST_STALL_AFTER", "0"))
_dispatch_seconds = float(os.environ.get("OUTBOX_TEST_DISPATCH_SECONDS", "0"))
_dispatched = 0


@handles("test.recorded_in_file")
def record_dispatch(event) -> None:
    global _dispatched
    os.write(_record_fd, f"{os.getpid()} {event.pk}\n".encode())
    _dispatched += 1
    if _stall_after and _dispatched >= _stall_after:
        time.sleep(3600)  # hang mid-batch until the test kills this process
    if _dispatch_seconds:
        time.sleep(_dispatch_seconds)
