"""The Stripe adapter against the simulator, through the real SDK."""

from django.test import override_settings

from application.adapters import stripe_service
from operations.stripe_sim import StripeSimulator


def test_calls_to_stripe_share_one_kept_alive_connection(fake_stripe):
    for user_id in ("u1", "u2", "u3"):
        stripe_service.create_customer(email=f"{user_id}@example.com", user_id=user_id)
    requests = fake_stripe.requests_to("POST", "/v1/customers")
    assert len(requests) == 3
    assert len({request.client_port for request in requests}) == 1


def test_a_changed_stripe_setting_gets_a_client_of_its_own(fake_stripe):
    stripe_service.create_customer(email="ada@example.com", user_id="u1")
    other = StripeSimulator(webhook_secret="whsec_other").start()
    try:
        with override_settings(STRIPE_API_BASE=other.url):
            stripe_service.create_customer(email="grace@example.com", user_id="u2")
    finally:
        other.stop()
    assert [r.params["email"] for r in fake_stripe.requests_to("POST", "/v1/customers")] == ["ada@example.com"]
    assert [r.params["email"] for r in other.requests_to("POST", "/v1/customers")] == ["grace@example.com"]
