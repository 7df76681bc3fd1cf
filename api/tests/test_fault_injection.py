"""Faults on real connections: the database dies mid-request, the mail provider fails.

Each write endpoint runs in one transaction, so a request cut off half-way leaves no row
behind and answers in the envelope; Stripe's redelivery or the outbox retry then completes
the work exactly once.
"""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from api.tests.faults import database_dies_before, database_unreachable
from audit.models import AuditLog
from core.models import OutboxEvent
from core.outbox import process_outbox
from monetization.models import Payment, PaymentIntentRecord, Subscription, WebhookEvent
from monetization.tests.conftest import deliver
from monetization.tests.stripe_fixtures import SESSION_ID, live_subscription
from resources.models import Resource, ResourceVersion
from users.models import User
from users.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def assert_envelope(response, statuses: set[int]) -> None:
    assert response.status_code in statuses, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["status"] == "error"


def test_readiness_reports_unavailable_when_the_database_is_unreachable():
    client = Client()
    with database_unreachable():
        response = client.get("/health/ready/")
    assert (response.status_code, response.json()) == (503, {"status": "unavailable"})
    assert client.get("/health/ready/").status_code == 200


def test_registration_cut_off_before_its_outbox_event_leaves_no_user():
    body = {"email": "cutoff@example.com", "password": "Cut-off-pass-4412!"}
    with database_dies_before(r'INSERT INTO "core_outboxevent"') as fired:
        response = Client().post("/api/auth/register/", body, content_type="application/json")
    assert fired()
    assert_envelope(response, {503})
    assert not User.objects.filter(email="cutoff@example.com").exists()
    assert not AuditLog.objects.exists() and not OutboxEvent.objects.exists()
    retry = Client().post("/api/auth/register/", body, content_type="application/json")
    assert retry.status_code == 201  # the client's retry succeeds: nothing half-written blocks it


def test_resource_creation_cut_off_before_its_first_version_leaves_no_resource():
    author = UserFactory(username="author")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(author)}")
    body = {
        "title": "Cut-off course",
        "description": "",
        "visibility": "public",
        "tags": [],
        "file_url": "https://files.example/cut-off.pdf",
    }
    with database_dies_before(r'INSERT INTO "resources_resourceversion"') as fired:
        response = client.post("/api/resources/", body, content_type="application/json")
    assert fired()
    assert_envelope(response, {503})
    assert not Resource.all_objects.exists() and not ResourceVersion.objects.exists()
    assert not OutboxEvent.objects.exists()


def test_webhook_cut_off_mid_fulfilment_grants_nothing_and_the_redelivery_completes_it(fake_stripe):
    user = UserFactory()
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))
    with database_dies_before(r'INSERT INTO "monetization_payment"') as fired:
        response = deliver(Client(), "checkout_session_completed", user_id=user.pk)
    assert fired()
    assert response.status_code >= 500  # not 2xx: Stripe will deliver it again
    assert not Payment.objects.exists() and not Subscription.objects.exists()
    assert not OutboxEvent.objects.exists()

    redelivery = deliver(Client(), "checkout_session_completed", user_id=user.pk)
    assert redelivery.status_code == 200
    assert Payment.objects.count() == 1
    assert Subscription.objects.get(user=user).status == Subscription.Status.ACTIVE
    assert WebhookEvent.objects.get().status == WebhookEvent.Status.PROCESSED
    assert OutboxEvent.objects.filter(event_type="billing.payment_completed").count() == 1


class FlakyResend:
    """A local stand-in for Resend's API: answers 500 until told to recover."""

    def __init__(self):
        self.failing = True
        self.delivered: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if server.failing:
                    self.send_response(500)
                    payload = {"name": "internal_server_error", "message": "provider down", "statusCode": 500}
                else:
                    server.delivered.append(body)
                    self.send_response(200)
                    payload = {"id": f"email-{len(server.delivered)}"}
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(payload).encode())

            def log_message(self, *args):
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def close(self):
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def flaky_resend():
    server = FlakyResend()
    with override_settings(RESEND_API_KEY="re_test_key", RESEND_API_URL=server.url):
        yield server
    server.close()


def test_mail_provider_failing_leaves_the_event_retryable_and_it_mails_once_when_back(flaky_resend):
    email = "mailfail@example.com"
    response = Client().post(
        "/api/auth/register/", {"email": email, "password": "Mail-fail-pass-8812!"}, content_type="application/json"
    )
    assert response.status_code == 201
    process_outbox(limit=10)
    event = OutboxEvent.objects.get(event_type="user.registered")
    assert (event.status, event.retry_count) == (OutboxEvent.Status.PENDING, 1)
    assert event.error_message and flaky_resend.delivered == []

    flaky_resend.failing = False
    OutboxEvent.objects.filter(pk=event.pk).update(next_retry_at=timezone.now() - timedelta(seconds=1))
    process_outbox(limit=10)
    event.refresh_from_db()
    assert event.status == OutboxEvent.Status.COMPLETED
    assert [mail["to"] for mail in flaky_resend.delivered] == [[email]]
    assert "/activate?token=" in flaky_resend.delivered[0]["text"]
