"""Periodic tasks: run beside dispatch on their own thread, once per interval across workers, never fatal."""

import logging
import threading

import pytest
from django.db import transaction

from core.outbox import OutboxWorker, emit_event
from core.outbox.periodic import PeriodicRunner, PeriodicTask, enabled_tasks, register, unregister
from core.tests.outbox_fixtures import recording_handler
from core.tests.test_outbox_worker import run_in_thread, wait_until

HOUR = 3600.0
UNREACHABLE_REDIS = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}
}


class Calls:
    """A task that counts its runs and fails when told to."""

    def __init__(self, *, fails: bool = False) -> None:
        self.count = 0
        self.fails = fails

    def __call__(self) -> None:
        self.count += 1
        if self.fails:
            raise RuntimeError("the provider said no")


def task(name: str, func) -> PeriodicTask:
    return PeriodicTask(name, lambda: HOUR, func)


@pytest.fixture
def registered():
    """Names of tasks a test registers; unregistered afterwards."""
    names: list[str] = []
    yield names
    for name in names:
        unregister(name)


@pytest.fixture
def dispatched():
    with recording_handler("test.beside_periodic") as seen:
        yield seen


def emit_one() -> str:
    with transaction.atomic():
        return str(emit_event("TEST", "1", "test.beside_periodic", {}).pk)


def test_a_task_is_on_while_its_interval_reads_more_than_0(registered):
    registered += ["from_a_setting", "fixed"]
    minutes = [0]
    register("from_a_setting", lambda: minutes[0] * 60, Calls())
    register("fixed", 120, Calls())

    assert [(t.name, seconds) for t, seconds in enabled_tasks() if t.name in registered] == [("fixed", 120.0)]
    minutes[0] = 5  # read again by the next worker that starts
    assert [(t.name, seconds) for t, seconds in enabled_tasks() if t.name in registered] == [
        ("from_a_setting", 300.0),
        ("fixed", 120.0),
    ]


def test_a_second_worker_within_the_interval_leaves_the_turn_to_the_first():
    calls = Calls()
    first, second = PeriodicRunner([(task("sweep", calls), HOUR)]), PeriodicRunner([(task("sweep", calls), HOUR)])

    assert first.run_due() == ["sweep"]
    assert second.run_due() == []  # the shared cache says the turn is taken for the hour
    assert first.run_due() == []  # and the first one waits its hour too
    assert calls.count == 1


def test_with_the_cache_down_each_worker_keeps_its_own_turns(settings, caplog):
    settings.CACHES = UNREACHABLE_REDIS
    calls = Calls()
    first, second = PeriodicRunner([(task("sweep", calls), HOUR)]), PeriodicRunner([(task("sweep", calls), HOUR)])

    assert first.run_due() == second.run_due() == ["sweep"]
    assert calls.count == 2
    assert "periodic task turns unavailable" in [record.getMessage() for record in caplog.records]


def test_a_failing_task_is_logged_and_the_next_task_still_runs(caplog):
    failing, fine = Calls(fails=True), Calls()
    runner = PeriodicRunner([(task("failing", failing), HOUR), (task("fine", fine), HOUR)])

    assert runner.run_due() == ["failing", "fine"]

    (record,) = [record for record in caplog.records if record.getMessage() == "periodic task failed"]
    assert record.levelno == logging.ERROR
    assert record.task == "failing"
    assert "the provider said no" in caplog.text
    assert fine.count == 1


@pytest.mark.usefixtures("database_for_threads")
def test_a_task_that_keeps_raising_neither_stops_the_worker_nor_its_own_next_turns(registered, dispatched):
    registered.append("raises")
    calls = Calls(fails=True)
    register("raises", 0.01, calls)
    worker = OutboxWorker(worker_id="periodic", batch_size=10, interval=0.05)
    thread = run_in_thread(worker)
    try:
        assert wait_until(lambda: calls.count >= 3, timeout=30)
        event_id = emit_one()
        assert wait_until(lambda: event_id in dispatched, timeout=30)
        assert thread.is_alive()
    finally:
        worker.stop()
        thread.join(timeout=30)
    assert not thread.is_alive()


@pytest.mark.usefixtures("database_for_threads")
def test_a_stopping_worker_does_not_wait_forever_for_a_task_that_hangs(dispatched, caplog):
    release, started = threading.Event(), threading.Event()

    def hangs() -> None:
        started.set()
        release.wait(timeout=60)

    periodic = PeriodicRunner([(task("hangs", hangs), HOUR)], stop_timeout=0.1)
    worker = OutboxWorker(worker_id="periodic", batch_size=10, interval=0.05, periodic=periodic)
    thread = run_in_thread(worker)
    try:
        assert started.wait(timeout=30)
        event_id = emit_one()
        assert wait_until(lambda: event_id in dispatched, timeout=30)  # dispatch goes on meanwhile
        worker.stop()
        thread.join(timeout=30)
        assert not thread.is_alive()  # run() returned with the task still running
        assert "periodic task still running at stop; exiting without it" in caplog.text
    finally:
        release.set()
