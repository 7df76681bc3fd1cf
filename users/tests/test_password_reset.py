import time
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditLog
from core.models import OutboxEvent
from users.models import User
from users.tests.factories import DEFAULT_PASSWORD, UserFactory
from users.tests.helpers import deliver_mail, error_code, link_in_last_mail, ok_message, post, statement_kinds
from users.tokens import make_password_reset_token

pytestmark = pytest.mark.django_db
RESET = "/api/auth/password-reset/"
CONFIRM = "/api/auth/password-reset/confirm/"
NEW_PASSWORD = "brand-New-passw0rd-2026"
SAME_ANSWER = ok_message("If this email belongs to an account, we have sent a link to reset its password.")


@pytest.fixture
def ada():
    return UserFactory(email="ada@example.com")


def mailed_reset_token(client) -> str:
    assert post(client, RESET, {"email": "ada@example.com"}).json() == SAME_ANSWER
    deliver_mail()
    address, token = link_in_last_mail("ada@example.com")
    assert address == "http://localhost:3000/reset-password"
    return token


def test_reset_request_emits_the_event_and_mails_a_link(api_client, ada):
    mailed_reset_token(api_client)
    event = OutboxEvent.objects.get(event_type="user.password_reset_requested")
    assert event.aggregate_id == str(ada.pk)
    assert "token" not in event.payload  # the token exists only in the mail


def test_reset_token_works_once_and_fails_the_second_time(api_client, ada):
    token = mailed_reset_token(api_client)
    first = post(api_client, CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert first.json() == {"status": "ok", "data": {"password_reset": True}}
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    second = post(api_client, CONFIRM, {"token": token, "new_password": "yet-Another-passw0rd"})
    assert second.status_code == 400 and error_code(second) == "token_invalid"
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    assert AuditLog.objects.filter(object_id=str(ada.pk), after_state={"password": "changed"}).count() == 1


def test_after_reset_the_new_password_signs_in_and_the_old_does_not(api_client, ada):
    token = mailed_reset_token(api_client)
    post(api_client, CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    old = post(api_client, "/api/auth/login/", {"email": "ada@example.com", "password": DEFAULT_PASSWORD})
    new = post(api_client, "/api/auth/login/", {"email": "ada@example.com", "password": NEW_PASSWORD})
    assert (old.status_code, new.status_code) == (401, 200)


def test_token_in_the_query_string_is_accepted(api_client, ada):
    token = make_password_reset_token(ada)
    response = post(api_client, f"{CONFIRM}?token={token}", {"new_password": NEW_PASSWORD})
    assert response.status_code == 200


def test_weak_new_password_is_400_and_keeps_the_token_usable(api_client, ada):
    token = make_password_reset_token(ada)
    weak = post(api_client, CONFIRM, {"token": token, "new_password": "12345"})
    assert weak.status_code == 400 and error_code(weak) == "validation_error"
    assert "new_password" in weak.json()["error"]["details"]
    assert post(api_client, CONFIRM, {"token": token, "new_password": NEW_PASSWORD}).status_code == 200


def test_expired_reset_token_is_refused(api_client, ada):
    two_hours_ago = time.time() - 2 * 3600
    with mock.patch("itsdangerous.timed.time.time", return_value=two_hours_ago):
        token = make_password_reset_token(ada)
    response = post(api_client, CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and error_code(response) == "token_invalid"


def test_tampered_reset_token_is_refused(api_client, ada):
    token = make_password_reset_token(ada)
    tampered = token[:5] + ("x" if token[5] != "x" else "y") + token[6:]
    response = post(api_client, CONFIRM, {"token": tampered, "new_password": NEW_PASSWORD})
    assert response.status_code == 400 and error_code(response) == "token_invalid"
    ada.refresh_from_db()
    assert ada.check_password(DEFAULT_PASSWORD)


def test_signing_in_after_the_request_voids_the_link(api_client, ada):
    token = make_password_reset_token(ada)
    post(api_client, "/api/auth/login/", {"email": "ada@example.com", "password": DEFAULT_PASSWORD})
    response = post(api_client, CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert error_code(response) == "token_invalid"


def test_an_open_session_refreshing_its_tokens_keeps_the_mailed_link_valid(api_client, ada):
    login = post(api_client, "/api/auth/login/", {"email": "ada@example.com", "password": DEFAULT_PASSWORD})
    User.objects.filter(pk=ada.pk).update(last_login=timezone.now() - timedelta(hours=1))  # signed in an hour ago
    token = mailed_reset_token(api_client)
    refreshed = post(api_client, "/api/auth/token/refresh/", {"refresh_token": login.json()["data"]["refresh_token"]})
    assert refreshed.status_code == 200
    response = post(api_client, CONFIRM, {"token": token, "new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.json()


def test_unknown_email_gets_the_same_answer_and_no_mail(api_client):
    response = post(api_client, RESET, {"email": "nobody@example.com"})
    assert response.status_code == 200 and response.json() == SAME_ANSWER
    deliver_mail()
    assert mail.outbox == []
    assert OutboxEvent.objects.get().status == OutboxEvent.Status.COMPLETED


def test_a_disabled_account_gets_no_reset_mail(api_client):
    UserFactory(email="ada@example.com", is_active=False)
    post(api_client, RESET, {"email": "ada@example.com"})
    deliver_mail()
    assert mail.outbox == []


def test_known_and_unknown_emails_run_the_same_statements(api_client, ada):
    known = statement_kinds(api_client, RESET, {"email": "ada@example.com"})
    assert known == statement_kinds(api_client, RESET, {"email": "nobody@example.com"})
