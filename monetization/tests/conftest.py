"""Billing test fixtures: a local Stripe, signed deliveries, a subscribed user."""

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from monetization.tests.stripe_fixtures import event_body, event_text, stripe_signature
from users.tests.factories import UserFactory

WEBHOOK_URL = "/api/billing/webhook/"


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def user_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def signed_post(client, body: bytes, *, secret: str | None = None, timestamp: int | None = None, header=None):
    if header is None:
        header = stripe_signature(body, secret or settings.STRIPE_WEBHOOK_SECRET, timestamp)
    extra = {"HTTP_STRIPE_SIGNATURE": header} if header else {}
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", **extra)


def deliver(client, event, *, user_id: object = "REPLACE_USER_ID"):
    """POST a fixture event (by file name, exact bytes) or an edited event dict, signed as Stripe signs."""
    body = event_text(event, user_id).encode() if isinstance(event, str) else event_body(event)
    return signed_post(client, body)
