"""A feature whose settings are missing answers 503 naming them, never a misleading 400."""

import pytest
from rest_framework.test import APIClient

from monetization.models import PaymentIntentRecord, WebhookEvent
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHECKOUT = {
    "price_id": "price_premium_yearly",
    "success_url": "http://localhost:3000/billing/success",
    "cancel_url": "http://localhost:3000/billing",
}


def signed_in() -> APIClient:
    client = APIClient()
    client.force_authenticate(UserFactory())
    return client


def test_checkout_without_stripe_keys_is_503_naming_the_missing_settings(settings, fake_stripe):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PRICE_IDS = []

    response = signed_in().post("/api/billing/checkout/", CHECKOUT, format="json")

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "billing_not_configured"
    assert error["details"] == {"missing_settings": ["STRIPE_SECRET_KEY", "STRIPE_PRICE_IDS"]}
    assert "STRIPE_SECRET_KEY" in error["message"] and "STRIPE_PRICE_IDS" in error["message"]
    assert fake_stripe.requests == []
    assert not PaymentIntentRecord.objects.exists()


def test_checkout_without_a_webhook_secret_is_503_too(settings, fake_stripe):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = signed_in().post("/api/billing/checkout/", CHECKOUT, format="json")

    assert response.status_code == 503
    assert response.json()["error"]["details"] == {"missing_settings": ["STRIPE_WEBHOOK_SECRET"]}


def test_a_webhook_without_a_secret_is_503_so_stripe_redelivers_it(settings):
    settings.STRIPE_WEBHOOK_SECRET = ""

    response = APIClient().post(
        "/api/billing/webhook/", data=b'{"id": "evt_1"}', content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1"
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "billing_not_configured"
    assert response.json()["error"]["details"] == {"missing_settings": ["STRIPE_WEBHOOK_SECRET"]}
    assert not WebhookEvent.objects.exists()


def test_google_sign_in_without_a_client_id_names_the_setting(settings):
    settings.GOOGLE_CLIENT_ID = ""

    response = APIClient().post("/api/auth/google/", {"id_token": "a.b.c"}, format="json")

    assert response.status_code == 503
    error = response.json()["error"]
    assert error["code"] == "google_sign_in_unavailable"
    assert error["details"] == {"missing_settings": ["GOOGLE_CLIENT_ID"]}
    assert "GOOGLE_CLIENT_ID" in error["message"]
