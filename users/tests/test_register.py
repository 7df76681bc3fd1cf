import pytest

from audit.models import AuditLog
from core.models import OutboxEvent
from core.tests.at_once import at_once
from users.models import Profile, User
from users.tests.factories import UserFactory
from users.tests.helpers import STRONG_PASSWORD, error_code, post

pytestmark = pytest.mark.django_db
REGISTER = "/api/auth/register/"


def test_registration_answers_with_the_new_inactive_account(api_client):
    response = post(api_client, REGISTER, {"email": "ada@example.com", "password": STRONG_PASSWORD})
    assert response.status_code == 201
    user = User.objects.get()
    assert response.json() == {
        "status": "ok",
        "data": {"id": str(user.pk), "email": "ada@example.com", "activated": False},
    }
    assert not user.is_activated and user.auth_provider == "LOCAL"
    assert user.check_password(STRONG_PASSWORD)


def test_registration_writes_its_event_and_audit_row_with_the_user(api_client):
    post(api_client, REGISTER, {"email": "ada@example.com", "password": STRONG_PASSWORD, "username": "ada"})
    user = User.objects.get()
    event = OutboxEvent.objects.get()
    assert (event.event_type, event.aggregate_id) == ("user.registered", str(user.pk))
    assert event.payload == {"user_id": str(user.pk), "email": "ada@example.com"}
    audit = AuditLog.objects.get(object_id=str(user.pk))
    assert audit.action == "CREATE" and audit.after_state["username"] == "ada"
    assert "password" not in audit.after_state
    assert Profile.objects.get(user=user).username == "ada"


def test_email_taken_is_case_insensitive(api_client):
    UserFactory(email="ada@example.com")
    response = post(api_client, REGISTER, {"email": "ADA@Example.COM", "password": STRONG_PASSWORD})
    assert response.status_code == 409 and error_code(response) == "email_taken"
    assert User.objects.count() == 1
    assert not OutboxEvent.objects.exists()


def test_username_taken_at_registration_is_409(api_client):
    UserFactory(username="ada")
    response = post(api_client, REGISTER, {"email": "new@example.com", "password": STRONG_PASSWORD, "username": "ADA"})
    assert response.status_code == 409 and error_code(response) == "username_taken"
    assert not User.objects.filter(email="new@example.com").exists()


@pytest.mark.parametrize("password", ["short", "password123", "12345678901", "ada@example.com"])
def test_weak_password_is_refused_with_field_details(api_client, password):
    response = post(api_client, REGISTER, {"email": "ada@example.com", "password": password})
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert response.json()["error"]["details"]["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-email", "password": STRONG_PASSWORD},
        {"email": "a@b.co", "password": STRONG_PASSWORD, "username": "a b"},
    ],
)
def test_malformed_registration_is_a_validation_error(api_client, body):
    response = post(api_client, REGISTER, body)
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_a_json_list_body_is_a_validation_error_not_a_crash(api_client):
    response = api_client.post(REGISTER, [1, 2], format="json")
    assert response.status_code == 400 and error_code(response) == "validation_error"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_email_create_one_user(client):
    from django.test import Client

    threads_count = 5  # within the per-email throttle (5/min)

    def register(n: int) -> int:
        email = "race@example.com" if n % 2 else "RACE@example.com"
        response = Client(REMOTE_ADDR=f"10.0.0.{n}").post(
            REGISTER, {"email": email, "password": STRONG_PASSWORD}, content_type="application/json"
        )
        return response.status_code

    statuses = at_once(threads_count, register)

    assert sorted(statuses) == [201] + [409] * (threads_count - 1)
    assert User.objects.filter(email__iexact="race@example.com").count() == 1
    assert OutboxEvent.objects.filter(event_type="user.registered").count() == 1
