import pytest

from users.tests.factories import UserFactory
from users.tests.helpers import error_code, post

pytestmark = pytest.mark.django_db


def test_login_is_throttled_per_email_across_ip_addresses(api_client):
    UserFactory(email="ada@example.com")
    statuses = [
        post(
            api_client, "/api/auth/login/", {"email": "ADA@example.com", "password": "guess"}, REMOTE_ADDR=f"10.0.0.{n}"
        ).status_code
        for n in range(11)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10] == 429
    # Another account is not affected by the attack on this one.
    assert post(api_client, "/api/auth/login/", {"email": "other@example.com", "password": "x"}).status_code == 401


def test_login_is_throttled_per_ip_across_emails(api_client):
    statuses = [
        post(api_client, "/api/auth/login/", {"email": f"u{n}@example.com", "password": "x"}).status_code
        for n in range(31)
    ]
    assert statuses[-1] == 429 and statuses[:30] == [401] * 30


def test_a_forged_forwarded_for_header_does_not_dodge_the_ip_limit(api_client):
    responses = [
        post(
            api_client,
            "/api/auth/login/",
            {"email": f"u{n}@example.com", "password": "x"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
        for n in range(31)
    ]
    assert responses[-1].status_code == 429


@pytest.mark.parametrize("path", ["/api/auth/register/", "/api/auth/resend-activation/", "/api/auth/password-reset/"])
def test_account_mail_endpoints_are_throttled_per_email(api_client, path):
    body = {"email": "target@example.com", "password": "a-Long-and-Unusual-passw0rd"}
    responses = [post(api_client, path, body, REMOTE_ADDR=f"10.0.1.{n}") for n in range(6)]
    assert responses[-1].status_code == 429
    assert error_code(responses[-1]) == "throttled"
    assert "wait_seconds" in responses[-1].json()["error"]["details"]


@pytest.mark.parametrize("path", ["/api/auth/token/refresh/", "/api/auth/logout/"])
def test_token_refresh_and_logout_are_throttled_per_ip(api_client, path):
    statuses = [post(api_client, path, {"refresh_token": f"not-a-token-{n}"}).status_code for n in range(61)]
    assert statuses[:60] == [401] * 60
    assert statuses[60] == 429
    # Another address is not affected.
    assert post(api_client, path, {"refresh_token": "x"}, REMOTE_ADDR="10.0.2.1").status_code == 401
