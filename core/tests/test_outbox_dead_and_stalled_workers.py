"""Workers that die, hang or freeze inside a handler, as real processes.

A handler that kills its worker every time uses up its attempts and ends FAILED; a handler
that runs for several leases keeps its lease through the heartbeat and runs once; a worker
frozen past its lease is taken over once, and when it thaws it changes nothing.
"""

import signal
import time

import pytest
from django.db import connection
from django.utils import timezone

from core.models import OutboxEvent, ProcessedEvent, Tag
from core.tests.outbox_subprocesses import (
    WorkerDatabase,
    dispatches,
    loaded,
    run_worker_once,
    start_worker,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)


def create_event(event_type: str) -> OutboxEvent:
    return OutboxEvent.objects.create(aggregate_type="TEST", aggregate_id="1", event_type=event_type)


def stop(*workers) -> list[int]:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGCONT)  # a frozen process cannot act on SIGTERM
            worker.send_signal(signal.SIGTERM)
    return [worker.wait(timeout=30) for worker in workers]


def test_a_handler_that_kills_its_worker_every_time_ends_failed_after_the_maximum_runs(tmp_path):
    event = create_event("test.kills_its_worker")
    database, record = WorkerDatabase(tmp_path), tmp_path / "dispatches.txt"
    database.share()
    settings = {"OUTBOX_MAX_RETRIES": "3", "OUTBOX_LEASE_SECONDS": "1"}
    exit_codes = []
    deadline = time.monotonic() + 120
    # A supervisor restarting the worker each time it dies, as systemd or Kubernetes would.
    while database.event_state(event.pk)["status"] != "FAILED" and time.monotonic() < deadline:
        exit_codes.append(run_worker_once(database, f"run-{len(exit_codes)}", record, **settings))
        time.sleep(0.2)
    state = database.event_state(event.pk)
    assert state["status"] == "FAILED"
    assert sum(ids.count(str(event.pk)) for ids in dispatches(record).values()) == 3
    assert exit_codes.count(17) == 3  # each dispatch really killed its worker
    assert (state["retry_count"], state["lease_expirations"]) == (3, 3)
    assert state["error_message"].startswith("LeaseExpired: lease expired 3 times; the last holder (run-")


def test_a_handler_running_for_twice_the_lease_runs_once_while_another_worker_waits(tmp_path):
    event = create_event("test.waits_for_release")
    database, record, release = WorkerDatabase(tmp_path), tmp_path / "dispatches.txt", tmp_path / "release"
    database.share()
    lease = 2
    settings = {"OUTBOX_LEASE_SECONDS": str(lease), "OUTBOX_TEST_RELEASE_FILE": str(release)}
    holder = start_worker(database, "holder", record, **settings)
    rival = None
    try:
        assert wait_until(lambda: dispatches(record)[holder.pid] == [str(event.pk)], timeout=60)
        first_lease = database.event_state(event.pk)["locked_until"]
        rival = start_worker(database, "rival", record, **settings)
        assert wait_until(lambda: rival.pid in loaded(record), timeout=60)
        time.sleep(2 * lease + 0.5)  # the rival polls; the holder's first lease has long expired
        renewed = database.event_state(event.pk)
        assert renewed["locked_by"] == "holder" and renewed["locked_until"] > first_lease
        release.touch()
        assert wait_until(lambda: database.event_state(event.pk)["status"] == "COMPLETED", timeout=30)
    finally:
        exit_codes = stop(*[worker for worker in (holder, rival) if worker is not None])
    assert exit_codes == [0, 0]
    assert dispatches(record) == {holder.pid: [str(event.pk)]}
    state = database.event_state(event.pk)
    assert (state["retry_count"], state["lease_expirations"]) == (1, 0)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.postgres
def test_a_worker_frozen_past_its_lease_is_taken_over_once_and_changes_nothing_when_it_thaws(tmp_path):
    event = create_event("test.owned_effect")
    database, record = WorkerDatabase(tmp_path), tmp_path / "dispatches.txt"
    lease = {"OUTBOX_LEASE_SECONDS": "2"}
    # The first worker holds its effect's transaction open for 3 s; it is frozen during it.
    frozen = start_worker(database, "frozen", record, OUTBOX_TEST_HOLD_SECONDS="3", **lease)
    successor = None
    try:
        assert wait_until(lambda: dispatches(record)[frozen.pid] == [str(event.pk)], timeout=60)
        frozen.send_signal(signal.SIGSTOP)  # no handler, no heartbeat: the lease runs out
        lease_expired = lambda: OutboxEvent.objects.filter(pk=event.pk, locked_until__lt=timezone.now()).exists()  # noqa: E731
        assert wait_until(lease_expired, timeout=10)
        successor = start_worker(database, "successor", record, **lease)
        # The successor claims the event and its effect waits on the frozen one's uncommitted marker.
        assert wait_until(lambda: OutboxEvent.objects.get(pk=event.pk).locked_by == "successor", timeout=60)
        assert wait_until(_waiting_on_a_lock, timeout=30)
        frozen.send_signal(signal.SIGCONT)  # it resumes inside its effect, past its lease
        assert wait_until(lambda: OutboxEvent.objects.get(pk=event.pk).status == "COMPLETED", timeout=30)
        time.sleep(1)  # room for a late write from the thawed worker, were it not fenced
    finally:
        exit_codes = stop(*[worker for worker in (frozen, successor) if worker is not None])
    assert exit_codes == [0, 0]
    assert dispatches(record) == {frozen.pid: [str(event.pk)], successor.pid: [str(event.pk)]}  # taken over once
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.status, stored.retry_count, stored.lease_expirations) == ("COMPLETED", 2, 1)
    assert Tag.objects.get(slug=f"owner-{event.pk}").name == str(successor.pid)  # the new owner's effect stands
    assert ProcessedEvent.objects.filter(event_id=event.pk).count() == 1
