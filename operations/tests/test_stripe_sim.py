"""The simulator as a dev tool: `manage.py stripe_sim`, and webhooks sent over HTTP like Stripe's."""

import io
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from application.adapters.stripe_service import verify_webhook
from operations.stripe_sim import StripeSimulator

SECRET = "whsec_simulated_for_this_test"


class Receiver:
    """A stand-in for the app's webhook endpoint: answers each delivery with the next status."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.received: list[tuple[bytes, dict[str, str]]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((body, dict(self.headers.items())))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/billing/webhook/"


def wait_for(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_webhooks_are_signed_as_stripe_signs_and_retried_until_answered_2xx():
    receiver = Receiver([500])
    simulator = StripeSimulator(webhook_secret=SECRET).start()
    try:
        simulator.deliver_to(receiver.url)
        simulator.ledger.create_customer({"email": "ada@example.com"})

        wait_for(lambda: len(receiver.received) == 2)
    finally:
        simulator.stop()
        receiver.server.shutdown()
    (first_body, first_headers), (second_body, second_headers) = receiver.received
    assert first_body == second_body
    assert first_headers["Content-Type"] == "application/json; charset=utf-8"
    assert first_headers["User-Agent"].startswith("Stripe/1.0")
    with override_settings(STRIPE_WEBHOOK_SECRET=SECRET):
        event = verify_webhook(second_body, second_headers["Stripe-Signature"])
    assert event["type"] == "customer.created"
    assert event["data"]["object"]["email"] == "ada@example.com"
    (delivery,) = simulator.webhooks.deliveries
    assert (delivery.status, delivery.attempts) == (200, 2)


def test_the_command_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("stripe_sim")


def test_a_move_without_a_running_simulator_says_how_to_start_one(settings):
    settings.DEBUG = True
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    with pytest.raises(CommandError, match="bin/run --stripe-sim"):
        call_command("stripe_sim", "renew", "sub_test_000001", port=free_port)


def test_a_move_from_the_command_line_reaches_the_simulator(settings, fake_stripe):
    settings.DEBUG = True
    customer = fake_stripe.ledger.create_customer({"email": "ada@example.com"})
    session = fake_stripe.ledger.create_session(
        {"customer": customer["id"], "line_items": [{"price": "price_sim", "quantity": "1"}]}, url_for=str
    )
    fake_stripe.pay(session["id"])
    subscription_id = fake_stripe.state.sessions[session["id"]]["subscription"]
    port = int(fake_stripe.url.rsplit(":", 1)[1])
    out = io.StringIO()

    call_command("stripe_sim", "fail_renewal", subscription_id, port=port, stdout=out)

    assert "invoice.payment_failed" in out.getvalue()
    assert fake_stripe.state.subscriptions[subscription_id]["status"] == "past_due"
    with pytest.raises(CommandError, match="no paid invoice|cannot be disputed|No such"):
        call_command("stripe_sim", "dispute", "ch_test_999999", port=port, stdout=out)


def test_refunds_and_disputes_are_shaped_like_stripe_events(fake_stripe):
    customer = fake_stripe.ledger.create_customer({"email": "ada@example.com"})
    session = fake_stripe.ledger.create_session({"customer": customer["id"]}, url_for=str)
    fake_stripe.pay(session["id"])
    subscription_id = fake_stripe.state.sessions[session["id"]]["subscription"]

    fake_stripe.move("refund", subscription_id, amount=500)
    dispute = fake_stripe.move("dispute", subscription_id)
    fake_stripe.move("close", dispute["id"], outcome="lost")

    by_type = {event["type"]: event for event in fake_stripe.events}
    charge = by_type["charge.refunded"]["data"]["object"]
    assert (charge["amount"], charge["amount_refunded"], charge["refunded"]) == (2000, 500, False)
    assert charge["refunds"]["data"][0]["amount"] == 500
    assert charge["payment_intent"] in fake_stripe.state.invoice_payments
    created = by_type["charge.dispute.created"]["data"]["object"]
    assert (created["object"], created["charge"], created["status"]) == ("dispute", charge["id"], "needs_response")
    closed = by_type["charge.dispute.closed"]
    assert closed["data"]["object"]["status"] == "lost"
    assert closed["data"]["previous_attributes"] == {"status": "needs_response"}
    json.dumps(fake_stripe.events)  # every event is plain JSON, as delivered


def test_a_restarted_simulator_still_knows_the_account(tmp_path):
    state_file = tmp_path / "stripe_sim.json"
    first = StripeSimulator(state_file=state_file)
    customer = first.ledger.create_customer({"email": "ada@example.com"})
    session = first.ledger.create_session({"customer": customer["id"]}, url_for=str)
    first.pay(session["id"])
    subscription_id = first.state.sessions[session["id"]]["subscription"]
    first.stop()

    second = StripeSimulator(state_file=state_file)
    try:
        assert second.state.sessions[session["id"]]["status"] == "complete"
        invoice = second.move("renew", subscription_id)
        assert invoice["id"] not in first.state.invoices  # ids go on where they stopped
        assert [event["type"] for event in second.events].count("invoice.paid") == 2
    finally:
        second.stop()
