"""Leases, redelivery and idempotency: the guarantees a crash or a slow worker relies on."""

from datetime import timedelta

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

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded():
    seen: list[str] = []
    handles("test.leased")(lambda event: seen.append(str(event.pk)))
    yield seen
    outbox._handlers.pop("test.leased", None)
    outbox._handlers.pop("test.idempotent", None)


def emit(count: int = 1, *, event_type: str = "test.leased", aggregate_id: object = None) -> list[OutboxEvent]:
    with transaction.atomic():
        return [
            emit_event("TEST", i if aggregate_id is None else aggregate_id, event_type, {"n": i}) for i in range(count)
        ]


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
    handles("test.slow_batch")(
        lambda event: completed_when_dispatched.append(
            OutboxEvent.objects.filter(status=OutboxEvent.Status.COMPLETED).count()
        )
    )
    try:
        events = emit(3, event_type="test.slow_batch")
        claim = claim_batch(limit=10, worker_id="slow")
        claim.claimed_at -= 31  # more than half the 60 s lease has passed
        with LeaseHeartbeat() as heartbeat:
            outbox.worker._dispatch_claim(claim, heartbeat)
    finally:
        outbox._handlers.pop("test.slow_batch", None)
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
