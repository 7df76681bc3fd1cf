"""The purchase flow a front-end developer tries by hand, through the Stripe simulator:
checkout → hosted page → signed webhooks → premium → refund."""

import pytest
import requests
from django.test import Client
from rest_framework.test import APIClient

from monetization.access import holds_premium
from monetization.models import Payment, WebhookEvent
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
WEBHOOK_URL = "/api/billing/webhook/"
PRICE = "price_premium_yearly"
SUCCESS_URL = "http://localhost:3000/billing/success?session_id={CHECKOUT_SESSION_ID}"


@pytest.fixture
def app():
    """The app answering webhooks on the test's thread (inside its database transaction)."""
    client = Client()
    answered: list[tuple[str, int]] = []

    def send(body: bytes, headers: dict[str, str]) -> int:
        response = client.post(
            WEBHOOK_URL,
            data=body,
            content_type=headers["Content-Type"],
            HTTP_STRIPE_SIGNATURE=headers["Stripe-Signature"],
            HTTP_USER_AGENT=headers["User-Agent"],
        )
        answered.append((body.decode(), response.status_code))
        return response.status_code

    send.answered = answered
    return send


@pytest.fixture
def buyer_client():
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    client.user = user
    return client


def start_checkout(client) -> dict:
    response = client.post(
        "/api/billing/checkout/",
        {"price_id": PRICE, "success_url": SUCCESS_URL, "cancel_url": "http://localhost:3000/billing"},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]


def post(url: str, *, data: dict | None = None, json_answer: bool = False) -> requests.Response:
    """A browser form POST (or, with `json_answer`, what `manage.py stripe_sim <move>` sends)."""
    headers = {"Accept": "application/json"} if json_answer else {}
    return requests.post(url, data=data or {}, headers=headers, allow_redirects=False, timeout=10)


def submit_card(url: str, number: str) -> requests.Response:
    return post(url, data={"card_number": number, "expiry": "12 / 34", "cvc": "123"})


def delivered(fake_stripe, app) -> dict[str, int]:
    deliveries = fake_stripe.deliver_pending(app)
    return {delivery.event_type: delivery.status for delivery in deliveries}


def test_a_purchase_through_the_hosted_page_grants_premium_and_a_refund_ends_it(fake_stripe, app, buyer_client):
    checkout = start_checkout(buyer_client)
    assert checkout["url"] == f"{fake_stripe.url}/c/pay/{checkout['sessionId']}"
    page = requests.get(checkout["url"], timeout=10)
    assert page.status_code == 200
    assert "Card number" in page.text

    paid = submit_card(checkout["url"], "4242 4242 4242 4242")

    assert paid.status_code == 303
    assert paid.headers["Location"] == f"http://localhost:3000/billing/success?session_id={checkout['sessionId']}"
    answers = delivered(fake_stripe, app)
    assert set(answers.values()) == {200}
    for event_type in ("customer.subscription.created", "invoice.paid", "checkout.session.completed"):
        assert event_type in answers
    assert holds_premium(buyer_client.user)
    subscription = buyer_client.get("/api/billing/subscription/").json()["data"]
    assert (subscription["plan"], subscription["status"]) == ("PREMIUM", "ACTIVE")
    assert WebhookEvent.objects.filter(event_type="checkout.session.completed", status="PROCESSED").exists()

    (sim_subscription,) = fake_stripe.state.subscriptions.values()
    refunded = post(f"{fake_stripe.url}/_sim/subscriptions/{sim_subscription['id']}/refund", json_answer=True)

    assert refunded.status_code == 200
    assert delivered(fake_stripe, app) == {"refund.created": 200, "charge.refunded": 200}
    payment = Payment.objects.get(user=buyer_client.user)
    assert payment.status == Payment.Status.REFUNDED
    # A full refund of the payment behind the paid period ends access at once.
    assert not holds_premium(buyer_client.user)
    assert buyer_client.get("/api/billing/subscription/").json()["data"]["has_premium"] is False


def test_a_declined_card_shows_the_error_and_sends_no_payment(fake_stripe, app, buyer_client):
    checkout = start_checkout(buyer_client)

    declined = submit_card(checkout["url"], "4000 0000 0000 0341")

    assert declined.status_code == 402
    assert "Your card was declined." in declined.text
    assert fake_stripe.state.sessions[checkout["sessionId"]]["status"] == "open"
    assert "checkout.session.completed" not in delivered(fake_stripe, app)
    assert not holds_premium(buyer_client.user)


def test_a_card_that_asks_for_authentication_pays_once_confirmed(fake_stripe, app, buyer_client):
    checkout = start_checkout(buyer_client)

    challenge = submit_card(checkout["url"], "4000 0025 0000 3155")
    assert challenge.status_code == 200
    assert "Authenticate this payment" in challenge.text
    assert "checkout.session.completed" not in {event["type"] for event in fake_stripe.events}

    confirmed = post(f"{checkout['url']}/authenticate", data={"action": "complete"})

    assert confirmed.status_code == 303
    assert delivered(fake_stripe, app)["checkout.session.completed"] == 200
    assert holds_premium(buyer_client.user)


def test_a_failed_authentication_keeps_the_session_open(fake_stripe, buyer_client):
    checkout = start_checkout(buyer_client)
    submit_card(checkout["url"], "4000 0025 0000 3155")

    failed = post(f"{checkout['url']}/authenticate", data={"action": "fail"})

    assert failed.status_code == 402
    assert "unable to authenticate" in failed.text
    assert fake_stripe.state.sessions[checkout["sessionId"]]["status"] == "open"
