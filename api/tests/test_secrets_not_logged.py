"""A full user journey, logged at DEBUG, never writes a password, token or secret to the logs."""

import io
import json
import logging
import re
import time

import pytest
from django.conf import settings
from django.core import mail
from django.test import override_settings

from core.outbox import process_outbox
from monetization.tests.stripe_fixtures import stripe_signature

pytestmark = pytest.mark.django_db

PASSWORD = "Journey-pass-8731!"
NEW_PASSWORD = "Journey-newpass-5519!"


@pytest.fixture
def log_output():
    """Everything any logger emits, formatted as production formats it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.getLogger().handlers[0].formatter if logging.getLogger().handlers else None)
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous_level)


def token_from_last_mail(path: str) -> str:
    match = re.search(rf"{re.escape(path)}\?token=([^\s\"'<>&]+)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def signed(payload: dict) -> tuple[str, str]:
    body = json.dumps(payload)
    return body, stripe_signature(body.encode(), settings.STRIPE_WEBHOOK_SECRET)


@override_settings(STRIPE_API_BASE="http://127.0.0.1:9")  # Stripe unreachable: its failure is logged too
def test_a_full_journey_logs_no_password_token_or_secret(client, log_output):
    email = "journey@example.com"
    assert (
        client.post(
            "/api/auth/register/", {"email": email, "password": PASSWORD}, content_type="application/json"
        ).status_code
        == 201
    )
    process_outbox(limit=50)
    activation_token = token_from_last_mail("/activate")
    assert (
        client.post("/api/auth/activate/", {"token": activation_token}, content_type="application/json").status_code
        == 200
    )
    login = client.post("/api/auth/login/", {"email": email, "password": PASSWORD}, content_type="application/json")
    assert login.status_code == 200
    tokens = login.json()["data"]
    client.post("/api/auth/login/", {"email": email, "password": "wrong-" + PASSWORD}, content_type="application/json")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    refreshed = client.post(
        "/api/auth/token/refresh/", {"refresh_token": tokens["refresh_token"]}, content_type="application/json"
    ).json()["data"]
    assert client.get("/api/user/me/", **bearer).status_code == 200
    client.post(
        "/api/billing/checkout/",
        {
            "price_id": settings.STRIPE_PRICE_IDS[0],
            "success_url": "http://localhost:3000/ok",
            "cancel_url": "http://localhost:3000/cancel",
        },
        content_type="application/json",
        **bearer,
    )
    body, signature = signed(
        {
            "id": "evt_journey",
            "object": "event",
            "type": "customer.created",
            "created": int(time.time()),
            "data": {"object": {"id": "cus_journey"}},
        }
    )
    client.post("/api/billing/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature)
    client.post("/api/billing/webhook/", body, content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=bad")
    client.post("/api/auth/password-reset/", {"email": email}, content_type="application/json")
    process_outbox(limit=50)
    reset_token = token_from_last_mail("/reset-password")
    assert (
        client.post(
            "/api/auth/password-reset/confirm/",
            {"token": reset_token, "new_password": NEW_PASSWORD},
            content_type="application/json",
        ).status_code
        == 200
    )
    client.post(
        "/api/auth/logout/", {"refresh_token": refreshed["refresh_token"]}, content_type="application/json", **bearer
    )

    logged = log_output.getvalue()
    assert '"path": "/api/auth/login/"' in logged  # the capture really saw the journey
    secrets = {
        "password": PASSWORD,
        "new password": NEW_PASSWORD,
        "activation token": activation_token,
        "reset token": reset_token,
        "access token": tokens["access_token"],
        "refresh token": tokens["refresh_token"],
        "rotated refresh token": refreshed["refresh_token"],
        "Stripe secret key": settings.STRIPE_SECRET_KEY,
        "webhook secret": settings.STRIPE_WEBHOOK_SECRET,
        "webhook signature": signature.split("v1=")[1],
    }
    leaked = [name for name, value in secrets.items() if value and value in logged]
    assert leaked == []
