"""A worker's next claim writes its last batch's completions in the same statement (one round
trip per batch), and nothing it finished stays PROCESSING when it stops or loses its lease."""

import logging
from datetime import timedelta
from functools import partial

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from core.models import OutboxEvent
from core.outbox import process_outbox
from core.outbox.heartbeat import LeaseHeartbeat
from core.outbox.leases import claim_batch
from core.tests.outbox_fixtures import emit_numbered, recording_handler

pytestmark = pytest.mark.django_db

COMPLETED = OutboxEvent.Status.COMPLETED
PROCESSING = OutboxEvent.Status.PROCESSING


emit = partial(emit_numbered, event_type="test.together")


@pytest.fixture
def recorded():
    with recording_handler("test.together") as seen:
        yield seen


def status(event: OutboxEvent) -> str:
    return OutboxEvent.objects.get(pk=event.pk).status


@pytest.mark.postgres
def test_each_batch_is_one_statement_that_also_completes_the_batch_before(recorded, django_assert_num_queries):
    first, second = emit(2)
    with LeaseHeartbeat() as heartbeat:
        with django_assert_num_queries(1):
            assert process_outbox(limit=1, worker_id="w", heartbeat=heartbeat) == 1
        with django_assert_num_queries(1):
            assert process_outbox(limit=1, worker_id="w", heartbeat=heartbeat) == 1
        assert (status(first), status(second)) == (COMPLETED, PROCESSING)
        with django_assert_num_queries(1):
            assert process_outbox(limit=1, worker_id="w", heartbeat=heartbeat) == 0  # idle, and it wrote the second
        assert status(second) == COMPLETED
    assert len(recorded) == 2


def test_closing_the_heartbeat_writes_what_the_last_batch_finished(recorded):
    (event,) = emit(1)
    with LeaseHeartbeat() as heartbeat:
        process_outbox(limit=10, worker_id="w", heartbeat=heartbeat)
    assert status(event) == COMPLETED


def test_a_single_batch_without_a_worker_loop_is_complete_when_it_returns(recorded):
    events = emit(3)
    assert process_outbox(limit=10, worker_id="w") == 3
    assert [status(event) for event in events] == [COMPLETED] * 3


def test_an_ordered_claim_sees_the_completion_of_the_aggregates_previous_event(recorded):
    first, second = emit(2, aggregate_id="same")
    with LeaseHeartbeat() as heartbeat:
        assert process_outbox(limit=10, worker_id="w", ordered=True, heartbeat=heartbeat) == 1
        assert process_outbox(limit=10, worker_id="w", ordered=True, heartbeat=heartbeat) == 1
    assert recorded == [str(first.pk), str(second.pk)]


def test_a_completion_whose_lease_was_taken_over_writes_nothing_and_warns(recorded, caplog):
    (event,) = emit(1)
    caplog.set_level(logging.WARNING, logger="core.outbox")
    with LeaseHeartbeat() as heartbeat:
        process_outbox(limit=10, worker_id="stalled", heartbeat=heartbeat)
        OutboxEvent.objects.filter(pk=event.pk).update(next_retry_at=timezone.now() - timedelta(seconds=1))
        taken = claim_batch(limit=10, worker_id="new-owner")
        assert [e.pk for e in taken.events] == [event.pk]

        assert process_outbox(limit=10, worker_id="stalled", heartbeat=heartbeat) == 0

    stored = OutboxEvent.objects.get(pk=event.pk)
    assert (stored.status, stored.locked_by) == (PROCESSING, "new-owner")
    assert [r.getMessage() for r in caplog.records].count("outbox lease lost before completion") == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_that_fails_keeps_the_completions_for_the_next_one(recorded):
    (event,) = emit(1)
    heartbeat = LeaseHeartbeat()
    try:
        process_outbox(limit=10, worker_id="w", heartbeat=heartbeat)
        connection.connection.close()  # the database went away before the next claim
        with pytest.raises(OperationalError):
            process_outbox(limit=10, worker_id="w", heartbeat=heartbeat)
        connection.close()  # what the worker loop does, then it claims again
        assert status(event) == PROCESSING
        assert process_outbox(limit=10, worker_id="w", heartbeat=heartbeat) == 0
        assert status(event) == COMPLETED
    finally:
        heartbeat.close()
        connection.close()
