"""The worker loop: wake-ups, per-aggregate order, supervised exits, and surviving a kill -9."""

import signal
import subprocess
import threading
import time
from collections import Counter, defaultdict
from contextlib import ExitStack

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from core.models import OutboxEvent
from core.outbox import OutboxWorker, emit_event
from core.tests.outbox_fixtures import emit_numbered, throwaway_handler
from core.tests.outbox_subprocesses import WorkerDatabase, dispatches, start_worker, wait_until

ACTIVE = [OutboxEvent.Status.PENDING, OutboxEvent.Status.PROCESSING]


def run_in_thread(worker: OutboxWorker) -> threading.Thread:
    def run():
        try:
            worker.run()
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.fixture
def handle():
    """`handle(event_type, handler)`: a throwaway handler, removed when the test ends."""
    with ExitStack() as stack:
        yield lambda event_type, handler: stack.enter_context(throwaway_handler(event_type, handler))


@pytest.mark.django_db
def test_once_processes_one_batch_and_reports_it(handle):
    handle("test.worker_once", lambda event: None)
    emit_numbered(3, event_type="test.worker_once")
    out = _call("process_events", "--once", "--batch-size", "2")
    assert "processed 2 events" in out
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_loop_exits_after_max_events(handle):
    handle("test.worker_max", lambda event: None)
    emit_numbered(5, event_type="test.worker_max")
    out = _call("process_events", "--loop", "--batch-size", "2", "--max-events", "3", "--worker-id", "w1")
    assert "worker w1 stopped after 3 events" in out
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count() == 3


@pytest.mark.django_db(transaction=True)
def test_loop_exits_after_max_runtime_even_when_idle():
    started = time.monotonic()
    _call("process_events", "--loop", "--interval", "30", "--max-runtime", "0.3")
    assert time.monotonic() - started < 5


@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_leaves_its_30_second_sleep_at_once():
    worker = OutboxWorker(worker_id="idle", batch_size=10, interval=30)
    asleep = threading.Event()
    real_sleep = worker._sleeper.sleep

    def sleep_and_tell(timeout):
        asleep.set()
        return real_sleep(timeout)

    worker._sleeper.sleep = sleep_and_tell
    thread = run_in_thread(worker)
    assert asleep.wait(timeout=5)  # it really is in its 30 s sleep
    stopped_at = time.monotonic()
    worker.stop()
    thread.join(timeout=3)
    assert not thread.is_alive() and time.monotonic() - stopped_at < 3


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_idle_worker_polling_every_30_s_dispatches_a_committed_event_within_a_second(handle):
    dispatched: dict[str, float] = {}
    handle("test.notified", lambda event: dispatched.setdefault(str(event.pk), time.monotonic()))
    worker = OutboxWorker(worker_id="idle", batch_size=10, interval=30)
    sleeps: list[float] = []
    real_sleep = worker._sleeper.sleep

    def recorded_sleep(timeout):
        sleeps.append(timeout)
        real_sleep(timeout)

    worker._sleeper.sleep = recorded_sleep
    thread = run_in_thread(worker)
    try:
        assert wait_until(lambda: sleeps, timeout=10), "the worker never went idle"
        assert sleeps[0] == 30  # nothing due: only a notification can wake it before 30 s
        emitted_at = time.monotonic()
        with transaction.atomic():
            event = emit_event("TEST", 1, "test.notified", {})
        assert wait_until(lambda: str(event.pk) in dispatched, timeout=5)
        assert dispatched[str(event.pk)] - emitted_at < 1.0
    finally:
        worker.stop()
        thread.join(timeout=5)
    assert not thread.is_alive()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ordered_workers_never_run_two_events_of_one_aggregate_at_once_and_keep_their_order(handle):
    aggregates, per_aggregate = 12, 8
    lock = threading.Lock()
    in_flight: Counter[str] = Counter()
    overlaps: list[str] = []
    seen: dict[str, list[int]] = defaultdict(list)

    def record(event):
        with lock:
            in_flight[event.aggregate_id] += 1
            if in_flight[event.aggregate_id] > 1:
                overlaps.append(event.aggregate_id)
            seen[event.aggregate_id].append(event.payload["n"])
        time.sleep(0.002)  # keep the event in flight long enough for a rival claim to show
        with lock:
            in_flight[event.aggregate_id] -= 1

    handle("test.ordered", record)
    with transaction.atomic():
        for n in range(per_aggregate):
            for aggregate in range(aggregates):
                emit_event("TEST", f"agg-{aggregate}", "test.ordered", {"n": n})
    workers = [OutboxWorker(worker_id=f"w{i}", batch_size=4, interval=0.05, ordered=True) for i in range(4)]
    threads = [run_in_thread(worker) for worker in workers]
    try:
        drained = wait_until(lambda: not OutboxEvent.objects.filter(status__in=ACTIVE).exists(), timeout=45)
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(timeout=5)
    assert drained
    assert overlaps == []
    assert all(order == list(range(per_aggregate)) for order in seen.values()), dict(seen)
    assert len(seen) == aggregates


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_loses_nothing_and_only_its_batch_is_dispatched_twice(tmp_path):
    total, batch_size, stall_after = 2000, 50, 20
    OutboxEvent.objects.bulk_create(
        OutboxEvent(aggregate_type="TEST", aggregate_id=str(i), event_type="test.recorded_in_file")
        for i in range(total)
    )
    record_file = tmp_path / "dispatches.txt"
    database = WorkerDatabase(tmp_path)

    def _start_worker(worker_id: str, *, stall_after: int = 0) -> subprocess.Popen:
        return start_worker(
            database,
            worker_id,
            record_file,
            "--loop",
            "--interval=1",
            f"--batch-size={batch_size}",
            OUTBOX_LEASE_SECONDS="3",
            OUTBOX_TEST_STALL_AFTER=str(stall_after),
            OUTBOX_TEST_DISPATCH_SECONDS="0.001",
        )

    victim = _start_worker("victim", stall_after=stall_after)
    survivors = []
    try:
        # The victim takes a full batch and hangs inside its 20th handler call: truly mid-batch.
        assert wait_until(lambda: len(dispatches(record_file)[victim.pid]) == stall_after, timeout=30)
        survivors = [_start_worker(f"survivor-{i}") for i in range(2)]
        assert wait_until(lambda: all(dispatches(record_file)[s.pid] for s in survivors), timeout=30)
        victim_batch = set(
            OutboxEvent.objects.filter(locked_by="victim", status=OutboxEvent.Status.PROCESSING).values_list(
                "pk", flat=True
            )
        )
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        drained = wait_until(lambda: not OutboxEvent.objects.filter(status__in=ACTIVE).exists(), timeout=40, step=0.1)
    finally:
        for process in [victim, *survivors]:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        exit_codes = [process.wait(timeout=20) for process in survivors]
    assert drained
    assert exit_codes == [0, 0]  # SIGTERM: the survivors finish their batch and exit cleanly
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count() == total

    dispatched = dispatches(record_file)
    counts = Counter(event_id for ids in dispatched.values() for event_id in ids)
    duplicated = {event_id for event_id, n in counts.items() if n > 1}
    assert len(counts) == total  # none lost
    assert len(victim_batch) == batch_size
    assert set(dispatched[victim.pid]) <= {str(pk) for pk in victim_batch}
    assert duplicated == set(dispatched[victim.pid])  # only what the victim had dispatched runs again
    assert max(counts.values()) == 2


def _call(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
