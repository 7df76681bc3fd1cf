"""Leases, redelivery and idempotency: the guarantees a crash or a slow worker relies on."""

import signal
import threading
import time
from datetime import timedelta
from functools import partial

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from prometheus_client import REGISTRY

from core import outbox
from core.models import OutboxEvent, Tag
from core.outbox import emit_event, handles, once_per_event, process_outbox
from core.outbox.heartbeat import LeaseHeartbeat
from core.outbox.leases import claim_batch, record_completed, record_failed, renew_lease
from core.outbox.time_limit import HandlerTimer
from core.tests.outbox_fixtures import emit_numbered, recording_handler, throwaway_handler

pytestmark = pytest.mark.django_db


emit = partial(emit_numbered, event_type="test.leased")


@pytest.fixture
def recorded():
    with recording_handler("test.leased") as seen:
        yield seen
    outbox._handlers.pop("test.idempotent", None)


def expire_lease(event: OutboxEvent) -> None:
    """Make the lease run out without touching the holder's token (as the clock would)."""
    OutboxEvent.objects.filter(pk=event.pk).update(next_retry_at=timezone.now() - timedelta(seconds=1))


def test_a_claim_holds_its_events_under_a_lease_of_the_configured_length(recorded):
    (event,) = emit()
    before = timezone.now()
    claim = claim_batch(limit=10, worker_id="worker-a")
    event.refresh_from_db()
    assert [e.pk for e in claim.events] == [event.pk]
    assert event.status == OutboxEvent.Status.PROCESSING and event.locked_by == "worker-a"
    assert before + timedelta(seconds=60) <= event.locked_until <= timezone.now() + timedelta(seconds=60)


def test_a_claimed_event_carries_exactly_the_values_of_its_row(recorded):
    (event,) = emit()
    OutboxEvent.objects.filter(pk=event.pk).update(retry_count=2, error_message="ValueError: earlier")
    (claimed,) = claim_batch(limit=10, worker_id="worker-a").events
    stored = OutboxEvent.objects.get(pk=event.pk)
    for model_field in OutboxEvent._meta.concrete_fields:
        assert getattr(claimed, model_field.attname) == getattr(stored, model_field.attname), model_field.name
    assert claimed.payload == {"n": 0}


def test_an_event_under_a_live_lease_is_not_claimed_again(recorded):
    emit()
    claim_batch(limit=10, worker_id="worker-a")
    assert claim_batch(limit=10, worker_id="worker-b").events == []


def test_the_events_of_a_worker_that_died_are_claimed_again_once_its_lease_expires(recorded):
    (event,) = emit()
    claim_batch(limit=10, worker_id="crashed")
    expire_lease(event)
    assert process_outbox(limit=10, worker_id="survivor") == 1
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.COMPLETED and recorded == [str(event.pk)]


def test_a_stale_lease_holder_cannot_overwrite_the_new_holders_result(recorded):
    (event,) = emit()
    stale = claim_batch(limit=10, worker_id="slow-worker")
    expire_lease(event)
    fresh = claim_batch(limit=10, worker_id="fast-worker")
    assert [e.pk for e in fresh.events] == [event.pk]

    assert record_failed(stale, stale.events[0], ValueError("late failure")) is False
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.PROCESSING and event.locked_by == "fast-worker"

    assert record_completed(fresh, fresh.events) == 1
    assert record_completed(stale, stale.events) == 0
    assert record_failed(stale, stale.events[0], ValueError("later failure")) is False
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.COMPLETED
    assert (event.retry_count, event.lease_expirations) == (2, 1)  # two claims; the first one's lease expired
    assert "failure" not in event.error_message


def test_the_same_worker_reclaiming_its_expired_event_gets_a_new_token(recorded):
    (event,) = emit()
    first = claim_batch(limit=10, worker_id="worker-a")
    expire_lease(event)
    second = claim_batch(limit=10, worker_id="worker-a")
    assert record_completed(first, first.events) == 0
    assert record_completed(second, second.events) == 1


def test_a_batch_is_claimed_in_one_statement_and_completed_in_one(recorded, django_assert_num_queries, on_postgres):
    emit(5)
    # PostgreSQL: UPDATE … RETURNING claims; SQLite: select ids, update, read back, in a savepoint.
    claim_queries = 1 if on_postgres else 5
    with django_assert_num_queries(claim_queries + 1):
        assert process_outbox(limit=10, worker_id="w") == 5
    assert len(recorded) == 5


def test_a_batch_slower_than_half_its_lease_writes_what_it_finished_before_going_on():
    completed_when_dispatched: list[int] = []

    def record(event):
        completed_when_dispatched.append(OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count())

    with throwaway_handler("test.slow_batch", record):
        events = emit(3, event_type="test.slow_batch")
        claim = claim_batch(limit=10, worker_id="slow")
        claim.claimed_at -= 31  # more than half the 60 s lease has passed
        with LeaseHeartbeat() as heartbeat:
            outbox.worker._dispatch_claim(claim, heartbeat)
    assert completed_when_dispatched == [0, 1, 1]
    assert all(OutboxEvent.objects.get(pk=e.pk).status == OutboxEvent.Status.COMPLETED for e in events)


def test_a_renewal_extends_the_lease_under_the_same_token_and_leaves_finished_events_alone(recorded):
    done, running = emit(2)
    claim = claim_batch(limit=10, worker_id="w")
    record_completed(claim, [claim.events[0]])
    before = OutboxEvent.objects.get(pk=running.pk).locked_until
    assert renew_lease(claim) == {running.pk}
    renewed = OutboxEvent.objects.get(pk=running.pk)
    assert renewed.locked_until >= before and renewed.next_retry_at == renewed.locked_until
    assert renewed.lease_token == claim.token
    assert OutboxEvent.objects.get(pk=done.pk).status == OutboxEvent.Status.COMPLETED
    assert record_completed(claim, [claim.events[1]]) == 1


def test_a_batch_skips_the_events_a_renewal_found_taken_over(recorded):
    taken, kept = emit(2)
    claim = claim_batch(limit=10, worker_id="slow")
    expire_lease(taken)
    claim_batch(limit=1, worker_id="other")
    assert renew_lease(claim) == {kept.pk}  # what the heartbeat does while the batch runs
    with LeaseHeartbeat() as heartbeat:
        outbox.worker._dispatch_claim(claim, heartbeat)
    assert recorded == [str(kept.pk)]
    assert OutboxEvent.objects.get(pk=taken.pk).locked_by == "other"


def test_completion_observes_emit_to_dispatch_latency(recorded):
    def count():
        return REGISTRY.get_sample_value("outbox_dispatch_latency_count", {"event_type": "test.leased"}) or 0

    before = count()
    emit(2)
    process_outbox(limit=10)
    assert count() == before + 2


def test_a_redelivered_event_has_its_effect_once():
    effects: list[str] = []

    @handles("test.idempotent")
    def create_tag(event):
        def effect():
            Tag.objects.create(name=f"tag {event.payload['n']}", slug=f"tag-{event.pk}")
            effects.append(str(event.pk))

        once_per_event(event, "create_tag", effect)

    try:
        (event,) = emit(event_type="test.idempotent")
        process_outbox(limit=10)
        # The completion was lost (a crash after the effect): the event runs a second time.
        OutboxEvent.objects.filter(pk=event.pk).update(status=OutboxEvent.Status.PENDING, next_retry_at=timezone.now())
        assert process_outbox(limit=10) == 1
        event.refresh_from_db()
        assert event.status == OutboxEvent.Status.COMPLETED
        assert effects == [str(event.pk)]
        assert Tag.objects.filter(slug=f"tag-{event.pk}").count() == 1
    finally:
        outbox._handlers.pop("test.idempotent", None)


def test_an_effect_that_failed_leaves_no_marker_so_the_retry_runs_it():
    (event,) = emit(event_type="test.idempotent")
    attempts: list[int] = []

    def flaky():
        attempts.append(1)
        Tag.objects.create(name="half", slug=f"half-{event.pk}")
        if len(attempts) == 1:
            raise ConnectionError("provider timed out")

    with pytest.raises(ConnectionError):
        once_per_event(event, "flaky", flaky)
    assert not Tag.objects.filter(slug=f"half-{event.pk}").exists()
    assert once_per_event(event, "flaky", flaky) is True
    assert len(attempts) == 2 and Tag.objects.filter(slug=f"half-{event.pk}").count() == 1


def test_ordered_claims_take_only_the_oldest_unfinished_event_of_each_aggregate(recorded):
    first_a, second_a = emit(2, aggregate_id="a")
    (only_b,) = emit(1, aggregate_id="b")
    claim = claim_batch(limit=10, worker_id="w", ordered=True)
    assert {e.pk for e in claim.events} == {first_a.pk, only_b.pk}
    assert claim_batch(limit=10, worker_id="w2", ordered=True).events == []
    record_completed(claim, claim.events)
    assert [e.pk for e in claim_batch(limit=10, worker_id="w", ordered=True).events] == [second_a.pk]


def test_ordered_claims_wait_for_an_earlier_event_that_is_backing_off():
    (failing,) = emit(event_type="test.unhandled_in_order", aggregate_id="x")
    emit(event_type="test.leased", aggregate_id="x")
    claim = claim_batch(limit=10, worker_id="w", ordered=True)
    record_failed(claim, claim.events[0], ValueError("try later"))
    failing.refresh_from_db()
    assert failing.status == OutboxEvent.Status.PENDING
    assert claim_batch(limit=10, worker_id="w", ordered=True).events == []


def test_a_claim_counts_an_attempt_and_a_takeover_counts_one_more_and_a_lease_expiration(recorded):
    (event,) = emit()
    assert claim_batch(limit=10, worker_id="died").events[0].retry_count == 1
    expire_lease(event)
    (taken_over,) = claim_batch(limit=10, worker_id="survivor").events
    assert (taken_over.retry_count, taken_over.lease_expirations) == (2, 1)
    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.retry_count, stored.lease_expirations, stored.locked_by) == (2, 1, "survivor")
    expected = "LeaseExpired: lease expired 1 time; the last holder (died) did not finish or renew it"
    assert stored.error_message == expected


@override_settings(OUTBOX_MAX_RETRIES=3)
def test_an_expired_lease_with_no_attempts_left_ends_failed_without_another_dispatch(recorded):
    (event,) = emit()
    for attempt in range(3):
        assert len(claim_batch(limit=10, worker_id=f"died-{attempt}").events) == 1
        expire_lease(event)
    assert process_outbox(limit=10, worker_id="survivor") == 1  # taken from the queue: ended, not dispatched
    event.refresh_from_db()
    assert recorded == []
    assert (event.status, event.retry_count, event.lease_expirations) == (OutboxEvent.Status.FAILED, 3, 3)
    assert "lease expired 3 times; the last holder (died-2)" in event.error_message
    assert (event.locked_by, event.locked_until, event.lease_token) == ("", None, None)
    assert process_outbox(limit=10, worker_id="survivor") == 0


def test_handler_failures_and_lease_expirations_share_one_budget_of_attempts(recorded):
    with throwaway_handler("test.fails", lambda event: (_ for _ in ()).throw(ValueError("provider said no"))):
        (event,) = emit(event_type="test.fails")
        with override_settings(OUTBOX_MAX_RETRIES=2):
            claim_batch(limit=10, worker_id="died")
            expire_lease(event)
            process_outbox(limit=10, worker_id="survivor")  # attempt 2 of 2 fails: no attempt left
    event.refresh_from_db()
    assert (event.status, event.retry_count, event.lease_expirations) == (OutboxEvent.Status.FAILED, 2, 1)
    assert event.error_message == "ValueError: provider said no"


def test_a_claim_takes_one_expired_lease_and_dispatches_it_after_writing_the_rest():
    seen: list[tuple[str, int]] = []

    def record(event):
        completed = OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count()
        seen.append((event.payload["n"], completed))

    with throwaway_handler("test.suspect", record):
        dead_batch = emit(2, event_type="test.suspect")
        claim_batch(limit=10, worker_id="died")
        for event in dead_batch:
            expire_lease(event)
        with transaction.atomic():
            fresh = [emit_event("TEST", n, "test.suspect", {"n": n}) for n in (10, 11)]
        claim = claim_batch(limit=10, worker_id="survivor")
        claimed = {e.pk for e in claim.events}
        assert len(claimed) == 3 and {e.pk for e in fresh} <= claimed  # one takeover per claim
        with LeaseHeartbeat() as heartbeat:
            outbox.worker._dispatch_claim(claim, heartbeat)
    # The fresh events ran first and were written before the taken-over one ran.
    assert [n for n, _ in seen[:2]] == [10, 11]
    assert seen[2][0] in (0, 1) and seen[2][1] == 2


def test_a_worker_that_lost_its_lease_rolls_back_its_once_per_event_effect():
    (event,) = emit(event_type="test.effect")
    (stale,) = claim_batch(limit=10, worker_id="stalled").events
    expire_lease(event)
    (fresh,) = claim_batch(limit=10, worker_id="new-owner").events

    def write(owner: str):
        return lambda: Tag.objects.create(name=owner, slug=f"owner-{event.pk}")

    with pytest.raises(outbox.LeaseLostError):
        once_per_event(stale, "owner", write("stalled"))
    assert not Tag.objects.filter(slug=f"owner-{event.pk}").exists()
    assert once_per_event(fresh, "owner", write("new-owner")) is True
    assert Tag.objects.get(slug=f"owner-{event.pk}").name == "new-owner"


def test_a_worker_that_lost_its_lease_does_not_send():
    (event,) = emit(event_type="test.mail")
    (stale,) = claim_batch(limit=10, worker_id="stalled").events
    expire_lease(event)
    claim_batch(limit=10, worker_id="new-owner")
    sent: list[str] = []
    with pytest.raises(outbox.LeaseLostError):
        outbox.send_once_per_event(stale, "mailer", lambda: sent.append("late"))
    assert sent == []


def test_a_handler_over_its_time_limit_fails_and_is_retried():
    assert threading.current_thread() is threading.main_thread()  # where process_events dispatches

    @handles("test.hangs", time_limit=0.2)
    def hang(event):
        time.sleep(30)

    try:
        (event,) = emit(event_type="test.hangs")
        process_outbox(limit=10, worker_id="w")
    finally:
        outbox._handlers.pop("test.hangs", None)
    event.refresh_from_db()
    assert (event.status, event.retry_count) == (OutboxEvent.Status.PENDING, 1)
    assert event.error_message.startswith("HandlerTimeLimitExceeded: handler ")
    assert "hang exceeded its time limit of 0.2 s" in event.error_message
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # no alarm left behind


def test_the_heartbeat_renews_a_live_claim_and_stops_once_its_handler_is_past_the_time_limit(recorded):
    emit()
    claim = claim_batch(limit=10, worker_id="w")
    heartbeat = LeaseHeartbeat(lease_seconds=60)
    claim.renewed_at -= heartbeat.interval
    assert heartbeat._renewal_due(claim)
    claim.timer = HandlerTimer(alarm=False)  # as in a worker run in a thread: no signal
    claim.timer.start(record_completed, 5)  # a handler within its limit
    assert heartbeat._renewal_due(claim)
    claim.timer.deadline = time.monotonic() - heartbeat.interval - 1  # past it
    assert not heartbeat._renewal_due(claim)


def test_retrying_a_failed_event_from_the_admin_gives_it_a_fresh_budget_of_attempts_and_expirations(recorded):
    (event,) = emit()
    OutboxEvent.objects.filter(pk=event.pk).update(status=OutboxEvent.Status.FAILED, retry_count=5, lease_expirations=5)
    outbox.retry_failed_events(OutboxEvent.objects.all())
    event.refresh_from_db()
    assert (event.status, event.retry_count, event.lease_expirations) == (OutboxEvent.Status.PENDING, 0, 0)
