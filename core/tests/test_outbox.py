import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from core import outbox
from core.models import OutboxEvent
from core.outbox import emit_event, handles, process_outbox
from core.tests.at_once import at_once, raised

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded():
    """Register throwaway handlers for this test's event types and collect what they saw."""
    seen: list[str] = []
    lock = threading.Lock()

    def record(event):
        with lock:
            seen.append(str(event.pk))

    def fail(event):
        raise ValueError("mail provider said no")

    handles("test.recorded")(record)
    handles("test.failing")(fail)
    yield seen
    outbox._handlers.pop("test.recorded", None)
    outbox._handlers.pop("test.failing", None)
    outbox._handlers.pop("test.two_handlers", None)


def make_due(event_type: str, count: int = 1) -> list[OutboxEvent]:
    with transaction.atomic():
        return [emit_event("TEST", i, event_type, {"n": i}) for i in range(count)]


def test_event_of_a_rolled_back_transaction_does_not_exist():
    with pytest.raises(RuntimeError), transaction.atomic():
        emit_event("TEST", 1, "test.recorded", {})
        raise RuntimeError("rollback")
    assert not OutboxEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused():
    with pytest.raises(outbox.OutboxError):
        emit_event("TEST", 1, "test.recorded", {})


def test_dispatched_event_is_completed(recorded):
    (event,) = make_due("test.recorded")
    assert process_outbox(limit=10) == 1
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.COMPLETED and event.processed_at is not None
    assert recorded == [str(event.pk)]


def test_failures_back_off_exponentially_and_end_failed_after_five_tries(recorded):
    (event,) = make_due("test.failing")
    for attempt in range(1, 6):
        before = timezone.now()
        assert process_outbox(limit=10) == 1
        event.refresh_from_db()
        assert event.retry_count == attempt
        assert "mail provider said no" in event.error_message
        if attempt < 5:
            assert event.status == OutboxEvent.Status.PENDING
            delay = event.next_retry_at - before
            assert timedelta(seconds=2**attempt) <= delay < timedelta(seconds=2**attempt + 5)
            OutboxEvent.objects.filter(pk=event.pk).update(next_retry_at=timezone.now())
    assert event.status == OutboxEvent.Status.FAILED
    assert process_outbox(limit=10) == 0


def test_unknown_event_type_is_failed_with_a_clear_error_not_lost():
    (event,) = make_due("test.nobody_handles_this")
    process_outbox(limit=10)
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.FAILED
    assert "No handler registered" in event.error_message


def test_a_failing_handler_does_not_stop_the_rest_of_the_batch(recorded):
    make_due("test.failing")
    good = make_due("test.recorded", 3)
    process_outbox(limit=10)
    assert sorted(recorded) == sorted(str(e.pk) for e in good)


def test_events_not_yet_due_are_left_alone(recorded):
    (event,) = make_due("test.recorded")
    OutboxEvent.objects.filter(pk=event.pk).update(next_retry_at=timezone.now() + timedelta(minutes=5))
    assert process_outbox(limit=10) == 0


@override_settings(OUTBOX_MAX_RETRIES=5)
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_processors_at_once_dispatch_each_of_1000_events_exactly_once(recorded):
    OutboxEvent.objects.bulk_create(
        OutboxEvent(aggregate_type="TEST", aggregate_id=str(i), event_type="test.recorded") for i in range(1000)
    )

    def drain(index: int) -> None:
        while process_outbox(limit=25, worker_id=f"w{index}"):
            pass

    assert raised(at_once(2, drain)) == []
    counts = Counter(recorded)
    assert len(counts) == 1000
    assert max(counts.values()) == 1
    assert OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count() == 1000


def test_every_handler_of_an_event_type_runs(recorded):
    seen_by_second: list[str] = []
    handles("test.two_handlers")(lambda event: recorded.append(f"first:{event.pk}"))
    handles("test.two_handlers")(lambda event: seen_by_second.append(str(event.pk)))
    (event,) = make_due("test.two_handlers")
    process_outbox(limit=10)
    assert recorded == [f"first:{event.pk}"] and seen_by_second == [str(event.pk)]


def test_once_per_event_runs_an_effect_once_across_redeliveries():
    (event,) = make_due("test.recorded")
    effects: list[int] = []
    assert outbox.once_per_event(event, "mailer", lambda: effects.append(1)) is True
    assert outbox.once_per_event(event, "mailer", lambda: effects.append(1)) is False
    assert outbox.once_per_event(event, "analytics", lambda: effects.append(2)) is True
    assert effects == [1, 2]


@pytest.mark.django_db(transaction=True)
def test_send_once_per_event_sends_outside_any_transaction_once_and_again_after_a_failure():
    (event,) = make_due("test.recorded")
    sends: list[bool] = []

    def failing_send():
        raise ConnectionError("mail provider down")

    with pytest.raises(ConnectionError):
        outbox.send_once_per_event(event, "mailer", failing_send)
    assert outbox.send_once_per_event(event, "mailer", lambda: sends.append(connection.in_atomic_block)) is True
    assert outbox.send_once_per_event(event, "mailer", lambda: sends.append(connection.in_atomic_block)) is False
    assert sends == [False]  # sent once, with no transaction (and no lock) held during the network call
