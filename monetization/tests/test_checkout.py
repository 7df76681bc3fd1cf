"""POST checkout/ and checkout/confirm/ against the local Stripe server."""

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from monetization.models import Payment, PaymentIntentRecord, StripeCustomer, Subscription
from monetization.tests.conftest import deliver
from monetization.tests.stripe_fixtures import live_subscription
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CHECKOUT_URL = "/api/billing/checkout/"
CONFIRM_URL = "/api/billing/checkout/confirm/"
PRICE = "price_premium_yearly"
GOOD_URLS = {"success_url": "http://localhost:3000/billing/success", "cancel_url": "http://localhost:3000/billing"}


def start_checkout(client, **overrides):
    return client.post(CHECKOUT_URL, {"price_id": PRICE, **GOOD_URLS, **overrides}, format="json")


def pay(fake_stripe, session_id: str, user) -> dict:
    """What happens at Stripe while the customer is on the hosted page."""
    subscription = live_subscription(f"sub_for_{session_id}", customer_id="cus_test_paid", user_id=user.pk)
    return fake_stripe.complete_session(session_id, subscription)


def completed_event(session: dict) -> dict:
    return {
        "id": f"evt_completed_{session['id']}",
        "object": "event",
        "api_version": "2026-07-29.dahlia",
        "created": session["created"] + 60,
        "data": {"object": session},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": "checkout.session.completed",
    }


def test_checkout_creates_a_session_with_price_customer_and_user_id(fake_stripe, user, user_client):
    response = start_checkout(user_client)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["sessionId"].startswith("cs_test_")
    assert data["url"].endswith(data["sessionId"])
    (customer_call,) = fake_stripe.requests_to("POST", "/v1/customers")
    assert customer_call.params["metadata"] == {"user_id": str(user.pk)}
    (session_call,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    sent = session_call.params
    assert sent["mode"] == "subscription"
    assert sent["line_items"] == [{"price": PRICE, "quantity": "1"}]
    assert sent["customer"] == StripeCustomer.objects.get(user=user).stripe_customer_id
    assert sent["client_reference_id"] == str(user.pk)
    assert sent["metadata"] == {"user_id": str(user.pk)}
    assert session_call.headers["Idempotency-Key"].startswith(f"checkout-{user.pk}-")
    assert session_call.headers["Stripe-Version"] == "2026-07-29.dahlia"
    record = PaymentIntentRecord.objects.get(stripe_session_id=data["sessionId"])
    assert (record.user, record.status, record.stripe_price_id) == (user, "CREATED", PRICE)


def test_a_second_checkout_reuses_the_stripe_customer(fake_stripe, user, user_client):
    start_checkout(user_client)
    start_checkout(user_client)

    assert len(fake_stripe.requests_to("POST", "/v1/customers")) == 1
    customers = {call.params["customer"] for call in fake_stripe.requests_to("POST", "/v1/checkout/sessions")}
    assert len(customers) == 1


def test_the_client_idempotency_key_is_passed_to_stripe(fake_stripe, user, user_client):
    user_client.post(CHECKOUT_URL, {"price_id": PRICE, **GOOD_URLS}, format="json", HTTP_IDEMPOTENCY_KEY="click-1")

    (session_call,) = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert session_call.headers["Idempotency-Key"] == f"checkout-{user.pk}-click-1"


def test_a_second_click_gets_the_open_session_back_not_a_second_one(fake_stripe, user, user_client):
    first = user_client.post(CHECKOUT_URL, {"price_id": PRICE, **GOOD_URLS}, format="json").json()["data"]
    second = user_client.post(CHECKOUT_URL, {"price_id": PRICE, **GOOD_URLS}, format="json").json()["data"]

    assert second == first
    assert len(fake_stripe.requests_to("POST", "/v1/checkout/sessions")) == 1
    assert PaymentIntentRecord.objects.filter(user=user).count() == 1


def test_two_clicks_in_flight_at_once_share_one_stripe_session(fake_stripe, user, user_client):
    PaymentIntentRecord.objects.all().delete()  # no open session to reuse: both reach Stripe
    first = user_client.post(CHECKOUT_URL, {"price_id": PRICE, **GOOD_URLS}, format="json").json()["data"]
    PaymentIntentRecord.objects.all().delete()  # as if the second request started before the first was saved
    second = user_client.post(CHECKOUT_URL, {"price_id": PRICE, **GOOD_URLS}, format="json").json()["data"]

    assert second["sessionId"] == first["sessionId"]
    calls = fake_stripe.requests_to("POST", "/v1/checkout/sessions")
    assert len(calls) == 2 and calls[0].headers["Idempotency-Key"] == calls[1].headers["Idempotency-Key"]


def test_a_reused_idempotency_key_with_another_price_is_a_409(fake_stripe, user_client, settings):
    other_price = next(price for price in settings.STRIPE_PRICE_IDS if price != PRICE)
    user_client.post(CHECKOUT_URL, {"price_id": PRICE, **GOOD_URLS}, format="json", HTTP_IDEMPOTENCY_KEY="k1")
    response = user_client.post(
        CHECKOUT_URL, {"price_id": other_price, **GOOD_URLS}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
    )

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"


def test_a_price_not_on_sale_is_rejected_before_stripe_is_called(fake_stripe, user_client):
    response = start_checkout(user_client, price_id="price_free_money")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "price_id" in response.json()["error"]["details"]
    assert fake_stripe.requests == []


@pytest.mark.parametrize(
    "field,url",
    [
        ("success_url", "https://evil.example/phish"),
        ("cancel_url", "https://localhost:3000.evil.example/"),
        ("success_url", "http://localhost:3001/billing"),
        ("success_url", "https://user@localhost:3000/billing"),
        ("cancel_url", "javascript:alert(1)"),
    ],
)
def test_redirects_off_the_allowed_hosts_are_rejected(fake_stripe, user_client, field, url):
    response = start_checkout(user_client, **{field: url})

    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert fake_stripe.requests == []
    assert not PaymentIntentRecord.objects.exists()


@override_settings(CORS_ALLOWED_ORIGINS=["https://app.ressourcefy.dev"])
def test_redirects_to_a_cors_origin_are_allowed(fake_stripe, user_client):
    response = start_checkout(user_client, success_url="https://app.ressourcefy.dev/ok?session={CHECKOUT_SESSION_ID}")

    assert response.status_code == 200


def test_an_active_subscriber_gets_409_already_subscribed(fake_stripe, user, user_client):
    session_id = start_checkout(user_client).json()["data"]["sessionId"]
    pay(fake_stripe, session_id, user)
    assert user_client.post(CONFIRM_URL, {"session_id": session_id}, format="json").status_code == 200

    response = start_checkout(user_client)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "already_subscribed"


def test_checkout_needs_a_signed_in_user(fake_stripe):
    response = start_checkout(APIClient())

    assert response.status_code == 401
    assert fake_stripe.requests == []


@pytest.mark.parametrize(
    "break_stripe,status",
    [
        (lambda server: server.fail_next(status=500, times=2), 502),
        (lambda server: server.hang_next(seconds=3, times=2), 503),
    ],
    ids=["stripe 500", "stripe timeout"],
)
def test_stripe_failing_during_checkout_is_an_upstream_error_and_leaves_no_record(
    fake_stripe, user_client, break_stripe, status
):
    break_stripe(fake_stripe)

    response = start_checkout(user_client)

    assert response.status_code == status
    assert response.json()["status"] == "error"
    assert response.json()["error"]["code"] == "upstream_unavailable"
    assert not PaymentIntentRecord.objects.exists()


# --- confirm ---------------------------------------------------------------------------


def test_confirm_then_webhook_leaves_one_payment_and_one_active_subscription(fake_stripe, user, user_client):
    session_id = start_checkout(user_client).json()["data"]["sessionId"]
    session = pay(fake_stripe, session_id, user)

    response = user_client.post(CONFIRM_URL, {"session_id": session_id}, format="json")

    assert response.status_code == 200
    body = response.json()["data"]["subscription"]
    assert (body["plan"], body["status"], body["cancel_at_period_end"]) == ("PREMIUM", "ACTIVE", False)
    assert body["ends_at"] is not None
    assert deliver(APIClient(), completed_event(session)).status_code == 200
    assert Payment.objects.count() == 1
    assert Subscription.objects.filter(status="ACTIVE").count() == 1


def test_webhook_then_confirm_leaves_one_payment_and_one_active_subscription(fake_stripe, user, user_client):
    session_id = start_checkout(user_client).json()["data"]["sessionId"]
    session = pay(fake_stripe, session_id, user)
    assert deliver(APIClient(), completed_event(session)).status_code == 200

    response = user_client.post(CONFIRM_URL, {"session_id": session_id}, format="json")

    assert response.status_code == 200
    assert response.json()["data"]["subscription"]["plan"] == "PREMIUM"
    assert Payment.objects.count() == 1
    assert Subscription.objects.filter(status="ACTIVE").count() == 1


def test_confirming_another_users_session_is_404_and_grants_nothing(fake_stripe, user, user_client):
    session_id = start_checkout(user_client).json()["data"]["sessionId"]
    pay(fake_stripe, session_id, user)
    intruder = APIClient()
    intruder.force_authenticate(UserFactory())

    response = intruder.post(CONFIRM_URL, {"session_id": session_id}, format="json")

    assert response.status_code == 404
    assert not Payment.objects.exists() and not Subscription.objects.exists()


def test_confirming_a_session_stripe_does_not_know_is_404(fake_stripe, user_client):
    response = user_client.post(CONFIRM_URL, {"session_id": "cs_test_nobody"}, format="json")

    assert response.status_code == 404


def test_confirming_an_unpaid_session_is_409_and_grants_nothing(fake_stripe, user_client):
    session_id = start_checkout(user_client).json()["data"]["sessionId"]

    response = user_client.post(CONFIRM_URL, {"session_id": session_id}, format="json")

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "checkout_incomplete"
    assert not Subscription.objects.exists()
