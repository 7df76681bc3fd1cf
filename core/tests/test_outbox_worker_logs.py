"""The worker says it is alive: one JSON line at start, one per batch with its outcomes."""

import io
import json
import logging

import pytest
from django.core.management import call_command
from django.db import transaction

from core import outbox
from core.models import OutboxEvent
from core.outbox import emit_event, handles, process_outbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def handlers():
    def fail(event):
        raise ValueError("provider said no")

    handles("test.logged_ok")(lambda event: None)
    handles("test.logged_failing")(fail)
    yield
    outbox._handlers.pop("test.logged_ok", None)
    outbox._handlers.pop("test.logged_failing", None)


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


def test_an_idle_poll_logs_nothing(caplog):
    caplog.set_level(logging.INFO, logger="core.outbox.worker")

    assert process_outbox(limit=10) == 0

    assert batch_lines(caplog) == []


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
