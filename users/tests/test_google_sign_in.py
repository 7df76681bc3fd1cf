"""Google sign-in against a local certificate server and a key generated for the test run."""

import base64
import time

import pytest

from core.models import OutboxEvent
from users.models import User
from users.tests.conftest import SigningKey
from users.tests.factories import DEFAULT_PASSWORD, UserFactory
from users.tests.helpers import error_code, post

pytestmark = pytest.mark.django_db
GOOGLE = "/api/auth/google/"


def sign_in(client, token: str):
    return post(client, GOOGLE, {"id_token": token})


def test_valid_token_creates_an_activated_google_user_and_logs_in(api_client, google_certs, google_key):
    response = sign_in(api_client, google_key.sign(email="Ada@Gmail.com"))
    assert response.status_code == 200, response.json()
    data = response.json()["data"]
    user = User.objects.get()
    assert data["user"] == {
        "id": str(user.pk),
        "email": "ada@gmail.com",
        "username": None,
        "activated": True,
        "onboarding_step": "profile",
    }
    assert data["access_token"] and data["refresh_token"]
    assert (user.auth_provider, user.is_activated, user.has_usable_password()) == ("GOOGLE", True, False)
    assert OutboxEvent.objects.filter(event_type="user.activated").count() == 1


def test_second_sign_in_logs_into_the_same_account(api_client, google_certs, google_key):
    first = sign_in(api_client, google_key.sign()).json()["data"]["user"]["id"]
    second = sign_in(api_client, google_key.sign()).json()["data"]["user"]["id"]
    assert first == second and User.objects.count() == 1
    assert OutboxEvent.objects.filter(event_type="user.activated").count() == 1


def test_an_activated_local_account_with_that_email_is_linked_not_duplicated(api_client, google_certs, google_key):
    local = UserFactory(email="ada@gmail.com")
    response = sign_in(api_client, google_key.sign(email="ADA@gmail.com"))
    assert response.json()["data"]["user"]["id"] == str(local.pk)
    assert User.objects.count() == 1
    local.refresh_from_db()
    assert local.check_password(DEFAULT_PASSWORD)  # the password keeps working


def test_a_pending_local_account_is_activated_and_its_unproven_password_voided(api_client, google_certs, google_key):
    squatter = UserFactory(email="ada@gmail.com", is_activated=False)
    response = sign_in(api_client, google_key.sign())
    assert response.json()["data"]["user"]["id"] == str(squatter.pk)
    squatter.refresh_from_db()
    assert squatter.is_activated and not squatter.has_usable_password()
    login = post(api_client, "/api/auth/login/", {"email": "ada@gmail.com", "password": DEFAULT_PASSWORD})
    assert login.status_code == 401


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-else.apps.googleusercontent.com"},
        {"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
        {"iss": "https://evil.example.com"},
        {"email_verified": False},
        {"email": None},
    ],
    ids=["wrong-audience", "expired", "wrong-issuer", "unverified-email", "no-email"],
)
def test_bad_tokens_are_401_and_create_no_user(api_client, google_certs, google_key, claims):
    response = sign_in(api_client, google_key.sign(**claims))
    assert response.status_code == 401 and error_code(response) == "invalid_credentials"
    assert not User.objects.exists()


def test_wrong_signature_is_401_and_creates_no_user(api_client, google_certs, other_key):
    response = sign_in(api_client, other_key.sign())
    assert response.status_code == 401 and error_code(response) == "invalid_credentials"
    assert not User.objects.exists()


def test_garbage_token_is_401(api_client, google_certs):
    response = sign_in(api_client, "not.a.jwt")
    assert response.status_code == 401 and error_code(response) == "invalid_credentials"


@pytest.mark.parametrize("junk", ["not-a-jwt", "a.b.c", "eyJhbGciOiJub25lIn0.e30.x"])
def test_junk_tokens_are_refused_without_asking_google(api_client, google_certs, junk):
    response = post(api_client, "/api/auth/google/", {"id_token": junk})
    assert (response.status_code, error_code(response)) == (401, "invalid_credentials")
    assert google_certs.hits == 0


def test_disabled_account_gets_no_tokens(api_client, google_certs, google_key):
    UserFactory(email="ada@gmail.com", is_active=False)
    response = sign_in(api_client, google_key.sign())
    assert response.status_code == 401 and "access_token" not in response.content.decode()


def test_certificates_are_fetched_once_then_cached(api_client, google_certs, google_key):
    sign_in(api_client, google_key.sign())
    sign_in(api_client, google_key.sign())
    assert google_certs.hits == 1


def test_a_rotated_key_is_picked_up_without_waiting_for_the_cache(api_client, google_certs, google_key):
    sign_in(api_client, google_key.sign())
    rotated = SigningKey("test-key-2")
    google_certs.publish(rotated)
    response = sign_in(api_client, rotated.sign())
    assert response.status_code == 200
    assert google_certs.hits == 2


def test_unreachable_certificates_are_502_not_401(api_client, google_certs, google_key):
    google_certs.status = 500
    response = sign_in(api_client, google_key.sign())
    assert response.status_code == 502 and error_code(response) == "upstream_unavailable"
    assert not User.objects.exists()


def test_without_a_client_id_google_sign_in_is_unavailable(api_client, google_certs, google_key, settings):
    settings.GOOGLE_CLIENT_ID = ""
    response = sign_in(api_client, google_key.sign())
    assert response.status_code == 503 and error_code(response) == "google_sign_in_unavailable"


def _segment(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "payload",
    ["[" * 1500 + "]" * 1500, '{"sub": ' + "[" * 1400 + "]" * 1400 + "}"],
)
def test_a_deeply_nested_payload_is_refused_not_a_server_error(api_client, google_certs, payload):
    token = ".".join([_segment('{"alg":"RS256","kid":"test-key-1"}'), _segment(payload), "c2ln"])
    assert len(token) <= 4096  # under the field's length limit, so it reaches verification
    response = sign_in(api_client, token)
    assert (response.status_code, error_code(response)) == (401, "invalid_credentials")
    assert not User.objects.exists()
