"""The outbox worker reconciles with Stripe every STRIPE_RECONCILE_INTERVAL_MINUTES, beside dispatch."""

import io
import logging
import threading

import pytest
from django.core.management import call_command
from django.db import transaction

from core.models import OutboxEvent
from core.outbox import OutboxWorker, emit_event
from core.tests.outbox_fixtures import recording_handler
from core.tests.test_outbox_worker import run_in_thread, wait_until
from monetization.access import holds_premium
from monetization.models import WebhookEvent
from monetization.tests.test_reconcile_stripe import buy, lock_held_elsewhere

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("database_for_threads")]
FINISHED = "stripe reconcile finished"
WAIT = 30  # seconds: a bound on waiting for another thread, never a measured time


class RunningWorker:
    """`process_events --loop` on a thread of this process, stopped (and joined) by `stop()`."""

    def __init__(self) -> None:
        self.worker = OutboxWorker(worker_id="periodic-test", batch_size=10, interval=0.1)
        self.thread = run_in_thread(self.worker)

    def stop(self) -> None:
        self.worker.stop()
        self.thread.join(timeout=60)
        assert not self.thread.is_alive()


@pytest.fixture
def reconcile_hourly(settings, fake_stripe):
    settings.STRIPE_RECONCILE_INTERVAL_MINUTES = 60
    settings.STRIPE_TIMEOUT_SECONDS = 60  # a held listing waits for the test, not for the client to give up
    return fake_stripe


@pytest.fixture
def recorded():
    """A throwaway event type whose handler records the events it was given; removed afterwards."""
    with recording_handler("test.during_reconcile") as seen:
        yield seen


def messages(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def periodic_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name == "outbox-periodic"]


def test_a_running_worker_applies_the_events_whose_webhooks_never_arrived(reconcile_hourly, caplog):
    caplog.set_level(logging.INFO)
    user, _ = buy(reconcile_hourly)
    assert not holds_premium(user)

    worker = RunningWorker()
    assert wait_until(lambda: FINISHED in messages(caplog), timeout=WAIT)
    worker.stop()

    assert holds_premium(user)
    assert WebhookEvent.objects.filter(source=WebhookEvent.Source.RECONCILE).exists()
    (finished,) = [record for record in caplog.records if record.getMessage() == FINISHED]
    assert finished.events_new == finished.events_fetched > 0
    assert (finished.subscriptions_checked, finished.subscriptions_repaired) == (1, 0)


def test_events_are_dispatched_while_the_reconcile_waits_on_a_slow_stripe(reconcile_hourly, recorded, caplog):
    caplog.set_level(logging.INFO)
    user, _ = buy(reconcile_hourly)
    stripe_answers = threading.Event()
    reconcile_hourly.hold_next(stripe_answers)  # the listing: Stripe takes its time

    worker = RunningWorker()
    try:
        assert wait_until(lambda: reconcile_hourly.requests_to("GET", "/v1/events"), timeout=WAIT)
        with transaction.atomic():
            emitted = [str(emit_event("TEST", i, "test.during_reconcile", {}).pk) for i in range(3)]
        assert wait_until(lambda: sorted(recorded) == sorted(emitted), timeout=WAIT)
        assert wait_until(
            lambda: OutboxEvent.objects.filter(pk__in=emitted, status=OutboxEvent.Status.COMPLETED).count() == 3,
            timeout=WAIT,
        )
        assert not stripe_answers.is_set() and FINISHED not in messages(caplog)  # still waiting on Stripe
    finally:
        stripe_answers.set()
    assert wait_until(lambda: FINISHED in messages(caplog), timeout=WAIT)
    worker.stop()

    assert holds_premium(user)


def dispatched_one(recorded) -> bool:
    """Emit an event and wait for the worker to dispatch it: its loop (and any periodic thread) runs."""
    with transaction.atomic():
        event_id = str(emit_event("TEST", "probe", "test.during_reconcile", {}).pk)
    return wait_until(lambda: event_id in recorded, timeout=WAIT)


def test_with_the_interval_at_0_a_worker_runs_no_reconcile_thread(settings, fake_stripe, recorded):
    settings.STRIPE_RECONCILE_INTERVAL_MINUTES = 0
    buy(fake_stripe)
    calls = len(fake_stripe.requests)

    worker = RunningWorker()
    assert dispatched_one(recorded)
    running = periodic_threads()
    worker.stop()

    assert running == []
    assert len(fake_stripe.requests) == calls


def test_with_the_interval_on_the_worker_runs_one_reconcile_thread_and_stops_it(reconcile_hourly, recorded, caplog):
    caplog.set_level(logging.INFO)
    worker = RunningWorker()
    assert dispatched_one(recorded)
    assert wait_until(lambda: FINISHED in messages(caplog), timeout=WAIT)
    running = periodic_threads()
    worker.stop()

    assert len(running) == 1
    assert not running[0].is_alive()


def test_without_a_stripe_key_the_worker_does_not_reconcile(reconcile_hourly, settings, recorded):
    settings.STRIPE_SECRET_KEY = ""
    worker = RunningWorker()
    assert dispatched_one(recorded)
    running = periodic_threads()
    worker.stop()

    assert running == []
    assert reconcile_hourly.requests == []


def test_a_worker_finding_another_run_holding_the_lock_logs_it_without_an_error(reconcile_hourly, caplog):
    caplog.set_level(logging.INFO)
    user, _ = buy(reconcile_hourly)
    skipped = "stripe reconcile skipped: another run holds the lock"

    with lock_held_elsewhere():
        worker = RunningWorker()
        assert wait_until(lambda: skipped in messages(caplog), timeout=WAIT)
        worker.stop()

    assert not holds_premium(user)
    (record,) = [record for record in caplog.records if record.getMessage() == skipped]
    assert record.levelno == logging.INFO
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_worker_start_line_names_the_reconcile_and_its_interval(reconcile_hourly, caplog):
    caplog.set_level(logging.INFO, logger="core.outbox.worker")

    call_command("process_events", "--loop", "--max-runtime", "0", stdout=io.StringIO())

    (start,) = [record for record in caplog.records if record.getMessage() == "outbox worker started"]
    assert start.periodic_tasks == {"stripe_reconcile": 3600.0}
