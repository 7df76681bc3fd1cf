"""The worker says it is alive: one JSON line at start, one per batch that had a failure, and
a progress line summing its batches every few seconds."""

import io
import json
import logging

import pytest
from django.core.management import call_command
from django.db import transaction

from core.models import OutboxEvent
from core.outbox import emit_event, process_outbox, worker
from core.outbox.batch_log import BatchLog
from core.tests.outbox_fixtures import throwaway_handler

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers():
    def fail(event):
        raise ValueError("provider said no")

    with throwaway_handler("test.logged_ok", lambda event: None), throwaway_handler("test.logged_failing", fail):
        yield


def make_due(*event_types: str) -> None:
    with transaction.atomic():
        for number, event_type in enumerate(event_types):
            emit_event("TEST", number, event_type, {"n": number})


def batch_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.getMessage() == "outbox batch"]


def test_a_batch_logs_claimed_completed_retried_failed_and_seconds(handlers, caplog, settings):
    settings.OUTBOX_MAX_RETRIES = 2
    make_due("test.logged_ok", "test.logged_ok", "test.logged_failing", "test.nobody_handles_this")
    caplog.set_level(logging.INFO, logger="core.outbox.worker")

    assert process_outbox(limit=10, worker_id="w1") == 4

    (line,) = batch_lines(caplog)
    assert (line.worker_id, line.claimed, line.completed, line.retried, line.failed) == ("w1", 4, 2, 1, 1)
    assert line.seconds >= 0


def test_the_last_retry_counts_as_failed(handlers, caplog, settings):
    settings.OUTBOX_MAX_RETRIES = 1
    make_due("test.logged_failing")
    caplog.set_level(logging.INFO, logger="core.outbox.worker")

    process_outbox(limit=10)

    (line,) = batch_lines(caplog)
    assert (line.retried, line.failed) == (0, 1)
    assert OutboxEvent.objects.get().status == OutboxEvent.Status.FAILED


def progress_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.getMessage() == "outbox progress"]


def test_a_batch_whose_events_all_completed_has_no_line_of_its_own_at_info(handlers, caplog, monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(worker, "_batch_log", BatchLog(every=10, clock=lambda: clock[0]))
    caplog.set_level(logging.INFO, logger="core.outbox.worker")
    make_due("test.logged_ok", "test.logged_ok", "test.logged_ok")

    for _ in range(3):
        assert process_outbox(limit=1, worker_id="w1") == 1
        clock[0] += 5

    assert batch_lines(caplog) == []
    first, second = progress_lines(caplog)  # at the first batch, then 10 s later with what came since
    assert (first.worker_id, first.batches, first.claimed, first.completed, first.failed) == ("w1", 1, 1, 1, 0)
    assert (second.batches, second.claimed, second.completed, second.seconds) == (2, 2, 2, 10.0)


def test_at_debug_every_batch_has_its_line(handlers, caplog):
    caplog.set_level(logging.DEBUG, logger="core.outbox.worker")
    make_due("test.logged_ok", "test.logged_ok")

    process_outbox(limit=1, worker_id="w1")
    process_outbox(limit=1, worker_id="w1")

    lines = batch_lines(caplog)
    assert [(line.levelname, line.claimed, line.completed) for line in lines] == [("DEBUG", 1, 1), ("DEBUG", 1, 1)]


def test_progress_lines_sum_failures_too_and_keep_workers_apart(caplog):
    caplog.set_level(logging.INFO, logger="core.outbox.worker")
    clock = [0.0]
    log = BatchLog(every=10, clock=lambda: clock[0])
    outcomes = {"completed": 1, "retried": 1, "failed": 0, "lost": 0}

    log.batch("a", 2, outcomes, 0.5)
    log.batch("b", 2, outcomes, 0.5)
    clock[0] = 10
    log.batch("a", 2, outcomes, 0.25)

    assert [(line.worker_id, line.claimed, line.retried) for line in batch_lines(caplog)] == [
        ("a", 2, 1),
        ("b", 2, 1),
        ("a", 2, 1),
    ]
    assert [(line.worker_id, line.batches, line.retried, line.busy_seconds) for line in progress_lines(caplog)] == [
        ("a", 1, 1, 0.5),
        ("b", 1, 1, 0.5),
        ("a", 1, 1, 0.25),
    ]


def test_an_idle_poll_logs_nothing(caplog):
    caplog.set_level(logging.INFO, logger="core.outbox.worker")

    assert process_outbox(limit=10) == 0

    assert batch_lines(caplog) == []
    assert progress_lines(caplog) == []


def test_the_command_logs_its_settings_backend_and_handlers_once_at_start(handlers, caplog):
    caplog.set_level(logging.INFO, logger="core.outbox.worker")

    call_command("process_events", "--once", "--batch-size=7", stdout=io.StringIO())

    (start,) = [record for record in caplog.records if record.getMessage() == "outbox worker started"]
    assert start.settings["batch_size"] == 7
    assert start.settings["max_retries"] == 5
    assert start.backend in ("sqlite", "postgresql")
    assert "core.tests.test_outbox_worker_logs.handlers.<locals>.fail" in start.handlers["test.logged_failing"]
    assert "monetization.handlers.mail_receipt" in start.handlers["billing.payment_completed"]
    json.dumps(start.settings)  # a JSON log line holds it
