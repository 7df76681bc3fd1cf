"""A new reader's whole path, through the real outbox worker and the mails it sends."""

import pytest
from django.core import mail

from core.models import OutboxEvent
from core.tests.factories import TagFactory
from users.tests.helpers import STRONG_PASSWORD, bearer, deliver_mail, link_in_last_mail, post

pytestmark = pytest.mark.django_db


def test_register_activate_login_and_onboard(api_client):
    TagFactory(name="Mathematics", slug="mathematics")
    TagFactory(name="Physics", slug="physics")

    registered = post(api_client, "/api/auth/register/", {"email": "Grace@Example.com", "password": STRONG_PASSWORD})
    assert registered.status_code == 201
    user_id = registered.json()["data"]["id"]

    refused = post(api_client, "/api/auth/login/", {"email": "grace@example.com", "password": STRONG_PASSWORD})
    assert refused.status_code == 403

    assert mail.outbox == []  # nothing leaves before the worker runs
    deliver_mail()
    assert OutboxEvent.objects.get(event_type="user.registered").status == OutboxEvent.Status.COMPLETED
    address, token = link_in_last_mail("grace@example.com")
    assert address == "http://localhost:3000/activate"

    activated = post(api_client, f"/api/auth/activate/?token={token}")
    assert activated.json() == {"status": "ok", "data": {"activated": True}}
    deliver_mail()
    assert mail.outbox[-1].subject == "Welcome to Ressourcefy"

    login = post(api_client, "/api/auth/login/", {"email": "GRACE@example.com", "password": STRONG_PASSWORD})
    assert login.status_code == 200
    session = login.json()["data"]
    assert session["user"] == {
        "id": user_id,
        "email": "grace@example.com",
        "username": None,
        "activated": True,
        "onboarding_step": "profile",
    }

    bearer(api_client, session["access_token"])
    profile = api_client.patch("/api/user/me/profile/", {"username": "grace", "bio": "Compilers."}, format="json")
    assert profile.json()["data"]["onboarding_step"] == "interests"

    interests = api_client.put("/api/user/me/interests/", {"tags": ["physics", "mathematics"]}, format="json")
    assert interests.json()["data"]["onboarding_step"] == "completed"

    me = api_client.get("/api/user/me/").json()["data"]
    assert (me["username"], me["onboarding_step"]) == ("grace", "completed")
