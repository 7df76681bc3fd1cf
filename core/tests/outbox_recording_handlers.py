"""Handlers for worker subprocesses in tests (`process_events --handlers-module` this module).

Each handler appends "<pid> <event id>" to OUTBOX_TEST_RECORD_FILE with one unbuffered
write per dispatch, so a line exists even if the process is killed right after. With
OUTBOX_TEST_STALL_AFTER=n, `test.recorded_in_file` hangs after its n-th dispatch, mid-batch.
Importing the module writes "<pid> loaded": the worker is about to start its loop.
"""

import os
import time

from core.models import Tag
from core.outbox import handles, once_per_event

_record_fd = os.open(os.environ["OUTBOX_TEST_RECORD_FILE"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
_stall_after = int(os.environ.get("OUTBOX_TEST_STALL_AFTER", "0"))
_dispatch_seconds = float(os.environ.get("OUTBOX_TEST_DISPATCH_SECONDS", "0"))
_hold_seconds = float(os.environ.get("OUTBOX_TEST_HOLD_SECONDS", "0"))
_dispatched = 0
os.write(_record_fd, f"{os.getpid()} loaded\n".encode())


@handles("test.recorded_in_file")
def record_dispatch(event) -> None:
    global _dispatched
    os.write(_record_fd, f"{os.getpid()} {event.pk}\n".encode())
    _dispatched += 1
    if _stall_after and _dispatched >= _stall_after:
        time.sleep(3600)  # hang mid-batch until the test kills this process
    if _dispatch_seconds:
        time.sleep(_dispatch_seconds)


@handles("test.kills_its_worker")
def kill_the_worker(event) -> None:
    """Dies mid-handler, as a segfault or the OOM killer would: no outcome is ever written."""
    os.write(_record_fd, f"{os.getpid()} {event.pk}\n".encode())
    os._exit(17)


@handles("test.waits_for_release")
def wait_for_release(event) -> None:
    """Runs until OUTBOX_TEST_RELEASE_FILE exists (the test decides how long: several leases)."""
    os.write(_record_fd, f"{os.getpid()} {event.pk}\n".encode())
    release = os.environ["OUTBOX_TEST_RELEASE_FILE"]
    deadline = time.monotonic() + 60
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.05)


@handles("test.owned_effect")
def write_owned_effect(event) -> None:
    """Writes which process produced the effect; with OUTBOX_TEST_HOLD_SECONDS, holds its transaction open."""

    def effect():
        Tag.objects.create(name=str(os.getpid()), slug=f"owner-{event.pk}")
        os.write(_record_fd, f"{os.getpid()} {event.pk}\n".encode())
        time.sleep(_hold_seconds)  # the test freezes this process here, inside the transaction

    once_per_event(event, "owned_effect", effect)
