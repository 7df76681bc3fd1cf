import pytest

from core.tests.at_once import at_once
from users.tests.factories import DEFAULT_PASSWORD, UserFactory
from users.tests.helpers import bearer, error_code, post

pytestmark = pytest.mark.django_db
LOGIN = "/api/auth/login/"
REFRESH = "/api/auth/token/refresh/"
LOGOUT = "/api/auth/logout/"
ME = "/api/user/me/"


def login(client, email="ada@example.com", password=DEFAULT_PASSWORD):
    return post(client, LOGIN, {"email": email, "password": password})


def test_login_returns_tokens_and_the_user(api_client):
    user = UserFactory(email="ada@example.com", username="ada")
    response = login(api_client, email="Ada@Example.com")
    assert response.status_code == 200
    data = response.json()["data"]
    assert set(data) == {"access_token", "refresh_token", "user"}
    assert data["user"] == {
        "id": str(user.pk),
        "email": "ada@example.com",
        "username": "ada",
        "activated": True,
        "onboarding_step": "interests",
    }
    user.refresh_from_db()
    assert user.last_login is not None


@pytest.mark.parametrize(
    ("email", "password"), [("ada@example.com", "wrong-password"), ("nobody@example.com", DEFAULT_PASSWORD)]
)
def test_wrong_credentials_are_401_invalid_credentials(api_client, email, password):
    UserFactory(email="ada@example.com")
    response = login(api_client, email=email, password=password)
    assert response.status_code == 401 and error_code(response) == "invalid_credentials"


def test_not_activated_account_gets_403_and_no_tokens(api_client):
    UserFactory(email="ada@example.com", is_activated=False)
    response = login(api_client)
    assert response.status_code == 403 and error_code(response) == "account_not_activated"
    assert "access_token" not in response.content.decode()


def test_not_activated_with_a_wrong_password_is_just_invalid_credentials(api_client):
    UserFactory(email="ada@example.com", is_activated=False)
    assert error_code(login(api_client, password="wrong-password")) == "invalid_credentials"


def test_disabled_account_gets_no_tokens(api_client):
    UserFactory(email="ada@example.com", is_active=False)
    response = login(api_client)
    assert response.status_code == 401 and error_code(response) == "invalid_credentials"


def test_access_token_opens_me_and_a_stale_header_does_not_block_login(api_client):
    UserFactory(email="ada@example.com")
    tokens = login(api_client).json()["data"]
    assert bearer(api_client, tokens["access_token"]).get(ME).status_code == 200
    bearer(api_client, "garbage")
    assert login(api_client).status_code == 200


def test_refresh_rotates_and_the_old_refresh_token_stops_working(api_client):
    UserFactory(email="ada@example.com")
    first = login(api_client).json()["data"]
    rotated = post(api_client, REFRESH, {"refresh_token": first["refresh_token"]})
    assert rotated.status_code == 200
    pair = rotated.json()["data"]
    assert set(pair) == {"access_token", "refresh_token"}
    assert pair["refresh_token"] != first["refresh_token"]
    reused = post(api_client, REFRESH, {"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401 and error_code(reused) == "token_not_valid"
    assert post(api_client, REFRESH, {"refresh_token": pair["refresh_token"]}).status_code == 200


def test_an_access_token_is_not_a_refresh_token(api_client):
    UserFactory(email="ada@example.com")
    tokens = login(api_client).json()["data"]
    response = post(api_client, REFRESH, {"refresh_token": tokens["access_token"]})
    assert response.status_code == 401 and error_code(response) == "token_not_valid"


def test_logout_blacklists_the_refresh_token(api_client):
    UserFactory(email="ada@example.com")
    tokens = login(api_client).json()["data"]
    response = post(api_client, LOGOUT, {"refresh_token": tokens["refresh_token"]})
    assert response.json() == {"status": "ok", "data": {"logged_out": True}}
    refused = post(api_client, REFRESH, {"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401 and error_code(refused) == "token_not_valid"


def test_logout_with_a_bad_token_is_401(api_client):
    response = post(api_client, LOGOUT, {"refresh_token": "not-a-jwt"})
    assert response.status_code == 401 and error_code(response) == "token_not_valid"


def test_a_deactivated_user_loses_access_and_refresh(api_client):
    user = UserFactory(email="ada@example.com")
    tokens = login(api_client).json()["data"]
    user.is_active = False
    user.save()
    denied = bearer(api_client, tokens["access_token"]).get(ME)
    assert denied.status_code == 401 and error_code(denied) == "token_not_valid"
    api_client.credentials()
    refused = post(api_client, REFRESH, {"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401 and error_code(refused) == "token_not_valid"


def test_a_password_change_revokes_earlier_tokens(api_client):
    user = UserFactory(email="ada@example.com")
    tokens = login(api_client).json()["data"]
    user.set_password("another-Long-passw0rd")
    user.save()
    denied = bearer(api_client, tokens["access_token"]).get(ME)
    assert denied.status_code == 401 and error_code(denied) == "token_not_valid"
    api_client.credentials()
    assert error_code(post(api_client, REFRESH, {"refresh_token": tokens["refresh_token"]})) == "token_not_valid"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_with_one_token_rotate_it_once():
    from django.test import Client

    UserFactory(email="ada@example.com")
    client = Client()
    refresh_token = client.post(
        LOGIN, {"email": "ada@example.com", "password": DEFAULT_PASSWORD}, content_type="application/json"
    ).json()["data"]["refresh_token"]

    def refresh(_: int) -> int:
        return Client().post(REFRESH, {"refresh_token": refresh_token}, content_type="application/json").status_code

    statuses = at_once(4, refresh)
    assert sorted(statuses) == [200, 401, 401, 401]
