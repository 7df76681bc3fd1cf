"""The soak's verdict: what counts as an effect twice, an event unfinished, a request lost.

(The soak itself needs locust and a fleet of processes; these check its judging on small data.)
"""

import pytest
from django.core import mail
from django.db import transaction
from django.test import override_settings

from bench.soak_data import verify
from bench.soak_report import failures, summarize
from core.models import ProcessedEvent
from core.outbox import emit_event
from core.outbox.worker import process_outbox
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_log(tmp_path, monkeypatch):
    path = tmp_path / "mail.jsonl"
    monkeypatch.setenv("SOAK_MAIL_LOG", str(path))
    return path


def welcome():
    """A user.activated event: its worker sends a welcome mail and writes an analytics row."""
    user = UserFactory(email="reader@example.com")
    with transaction.atomic():
        return emit_event("User", user.pk, "user.activated", {"user_id": str(user.pk), "email": user.email})


@override_settings(EMAIL_BACKEND="bench.soak_mail.RecordingBackend")
def test_events_dispatched_once_with_their_mails_pass(mail_log):
    welcome()
    process_outbox(10, "soak-test")

    found = verify(str(mail_log))

    assert found["mail"] == {"sent": 1, "markers": 1, "sent_twice": 0}
    assert found["analytics"]["tracked_events"] == 1 and found["analytics"]["missing_rows"] == 0
    assert failures(found) == []


@override_settings(EMAIL_BACKEND="bench.soak_mail.RecordingBackend")
def test_a_mail_sent_again_after_its_marker_was_lost_fails(mail_log):
    event = welcome()
    process_outbox(10, "soak-test")
    # A worker killed between the send and its marker: the next one sends the same mail again.
    ProcessedEvent.objects.filter(event_id=event.pk).exclude(handler="analytics.track").delete()
    mail.get_connection().send_messages([mail.EmailMessage("Welcome to Ressourcefy", "", to=["reader@example.com"])])
    ProcessedEvent.objects.create(event_id=event.pk, handler="users.send_welcome_mail")

    problems = failures(verify(str(mail_log)))

    assert any("mails sent" in problem for problem in problems), problems


def test_an_event_never_dispatched_fails(mail_log):
    welcome()

    assert "outbox events not COMPLETED: {'PENDING': 1}" in failures(verify(str(mail_log)))


def test_only_requests_outside_the_pause_count_as_lost():
    started = 1000.0
    rows = [
        (started + 10, "feed", 5.0, 200),
        (started + 31, "feed", 4000.0, 0),  # during the pause (30–35 s): allowed
        (started + 50, "detail", 3.0, 0),  # nothing else was happening: lost
        (started + 51, "detail", 8.0, 502),
    ]

    summary = summarize(rows, started, pauses=[(30.0, 35.0)])

    assert (summary["unanswered"], summary["unanswered_outside_pause"]) == (2, 1)
    assert summary["endpoints"]["detail"]["server_errors"] == 1
    assert summary["server_error_rate"] == 0.25
