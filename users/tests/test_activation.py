import re
import time
from unittest import mock
from urllib.parse import quote

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditLog
from core.models import OutboxEvent
from users.tests.factories import UserFactory
from users.tests.helpers import deliver_mail, error_code, link_in_last_mail, ok_message, post, statement_kinds
from users.tokens import make_activation_token

pytestmark = pytest.mark.django_db
ACTIVATE = "/api/auth/activate/"
RESEND = "/api/auth/resend-activation/"
SAME_ANSWER = ok_message("If this email belongs to an account that still needs activating, we have sent a new link.")


@pytest.fixture
def pending_user():
    return UserFactory(email="ada@example.com", is_activated=False)


def test_token_in_the_body_activates_and_records_event_and_audit(api_client, pending_user):
    response = post(api_client, ACTIVATE, {"token": make_activation_token(pending_user)})
    assert response.json() == {"status": "ok", "data": {"activated": True}}
    pending_user.refresh_from_db()
    assert pending_user.is_activated
    assert OutboxEvent.objects.filter(event_type="user.activated", aggregate_id=str(pending_user.pk)).count() == 1
    assert AuditLog.objects.get(object_id=str(pending_user.pk)).after_state == {"is_activated": True}


@pytest.mark.parametrize(
    "encode", [lambda t: t, lambda t: quote(t, safe=""), lambda t: quote(quote(t, safe=""), safe="")]
)
def test_token_in_the_query_is_accepted_plain_or_url_encoded_once_or_twice(api_client, pending_user, encode):
    token = make_activation_token(pending_user)
    # Percent signs themselves encoded once more, as a frontend that re-encodes the link would send it.
    response = post(api_client, f"{ACTIVATE}?token={quote(encode(token), safe='')}")
    assert response.status_code == 200, response.json()
    pending_user.refresh_from_db()
    assert pending_user.is_activated


@pytest.mark.parametrize("rounds", [1, 2])
def test_url_encoded_token_in_the_body_is_accepted(api_client, pending_user, rounds):
    # Fully percent-encoded (even the dots), as some mail clients rewrite links.
    encoded = make_activation_token(pending_user).replace(".", "%2E")
    for _ in range(rounds - 1):
        encoded = quote(encoded, safe="")
    response = post(api_client, ACTIVATE, {"token": encoded})
    assert response.status_code == 200, response.json()


def test_activating_twice_is_harmless_and_emits_once(api_client, pending_user):
    token = make_activation_token(pending_user)
    post(api_client, ACTIVATE, {"token": token})
    again = post(api_client, ACTIVATE, {"token": token})
    assert again.json() == {"status": "ok", "data": {"activated": True}}
    assert OutboxEvent.objects.filter(event_type="user.activated").count() == 1


def test_tampered_token_is_refused(api_client, pending_user):
    token = make_activation_token(pending_user)
    payload, timestamp, signature = token.split(".")
    other = make_activation_token(UserFactory(is_activated=False))
    forged = ".".join([other.split(".")[0], timestamp, signature])
    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "not-a-token"):
        response = post(api_client, ACTIVATE, {"token": bad})
        assert response.status_code == 400 and error_code(response) == "token_invalid"
    pending_user.refresh_from_db()
    assert not pending_user.is_activated


def test_expired_token_is_refused(api_client, pending_user, settings):
    four_days_ago = time.time() - 4 * 24 * 3600
    with mock.patch("itsdangerous.timed.time.time", return_value=four_days_ago):
        old_token = make_activation_token(pending_user)
    response = post(api_client, ACTIVATE, {"token": old_token})
    assert response.status_code == 400 and error_code(response) == "token_invalid"
    settings.ACTIVATION_TOKEN_MAX_AGE_SECONDS = 5 * 24 * 3600
    assert post(api_client, ACTIVATE, {"token": old_token}).status_code == 200


def test_reset_token_does_not_pass_for_an_activation_token(api_client, pending_user):
    from users.tokens import make_password_reset_token

    response = post(api_client, ACTIVATE, {"token": make_password_reset_token(pending_user)})
    assert response.status_code == 400 and error_code(response) == "token_invalid"


def test_token_of_a_deleted_account_is_refused(api_client, pending_user):
    token = make_activation_token(pending_user)
    pending_user.delete()
    response = post(api_client, ACTIVATE, {"token": token})
    assert error_code(response) == "token_invalid"


def test_missing_token_is_a_validation_error(api_client):
    response = post(api_client, ACTIVATE, {})
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_resend_mails_a_fresh_link_to_a_pending_account(api_client, pending_user):
    response = post(api_client, RESEND, {"email": "ADA@example.com"})
    assert response.json() == SAME_ANSWER
    deliver_mail()
    _, token = link_in_last_mail("ada@example.com")
    assert post(api_client, ACTIVATE, {"token": token}).status_code == 200


@pytest.mark.parametrize("email", ["nobody@example.com", "active@example.com"])
def test_resend_answers_the_same_and_mails_nothing_otherwise(api_client, email):
    UserFactory(email="active@example.com", is_activated=True)
    response = post(api_client, RESEND, {"email": email})
    assert response.status_code == 200 and response.json() == SAME_ANSWER
    deliver_mail()
    assert mail.outbox == []
    assert OutboxEvent.objects.get().status == OutboxEvent.Status.COMPLETED


def test_resend_does_the_same_database_work_for_known_and_unknown_emails(api_client, pending_user):
    known = statement_kinds(api_client, RESEND, {"email": "ada@example.com"})
    assert known == statement_kinds(api_client, RESEND, {"email": "nobody@example.com"})


def test_resend_for_known_and_unknown_emails_does_the_same_work(api_client, pending_user):
    """The request path sends the same SQL for both, so neither its timing nor its writes tell
    whether an account exists; the mail handler decides later who gets a mail."""

    def statements(email: str) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = post(api_client, RESEND, {"email": email})
        assert response.status_code == 200
        return [re.sub(r"'[^']*'|\"s\d+_x\d+\"|\b\d+\b", "?", query["sql"]) for query in queries.captured_queries]

    known, unknown = statements("ada@example.com"), statements("nobody@example.com")
    assert known == unknown
    assert OutboxEvent.objects.filter(event_type="user.activation_requested").count() == 2
