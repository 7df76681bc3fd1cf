"""The webhook endpoint, driven by Stripe's fixture events signed exactly as Stripe signs them."""

import datetime
import time

import pytest
from rest_framework.test import APIClient

from application.policies.subscription_policy import has_active_subscription
from core.models import OutboxEvent
from monetization.models import Payment, PaymentIntentRecord, Subscription, WebhookEvent
from monetization.services import checkout as checkout_service
from monetization.tests.conftest import deliver, signed_post
from monetization.tests.stripe_fixtures import (
    CHARGE_ID,
    INVOICE_ID,
    PAYMENT_INTENT_ID,
    SESSION_ID,
    SUBSCRIPTION_ID,
    event_dict,
    event_text,
    live_subscription,
    stripe_signature,
)

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def at(unix: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(unix, tz=UTC)


def outbox_types() -> list[str]:
    return sorted(OutboxEvent.objects.values_list("event_type", flat=True))


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def subscribed(fake_stripe, user, client):
    """The fixture story's sign-up: our checkout record, Stripe's live subscription, the completed event."""
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID, stripe_price_id="price_premium_yearly")
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))
    response = deliver(client, "checkout_session_completed", user_id=user.pk)
    assert response.status_code == 200
    OutboxEvent.objects.all().delete()
    return Subscription.objects.get(stripe_subscription_id=SUBSCRIPTION_ID)


def test_checkout_session_completed_grants_premium_and_records_the_payment(fake_stripe, user, client):
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    stripe_subscription = fake_stripe.add_subscription(live_subscription(user_id=user.pk))

    response = deliver(client, "checkout_session_completed", user_id=user.pk)

    assert response.status_code == 200
    assert response.json() == {"status": "received"}
    subscription = Subscription.objects.get(user=user)
    assert (subscription.plan, subscription.status) == ("PREMIUM", "ACTIVE")
    assert subscription.ends_at == at(stripe_subscription["items"]["data"][0]["current_period_end"])
    assert subscription.stripe_customer_id == "cus_QXg1o8vcGmoR32"
    assert has_active_subscription(user)
    payment = Payment.objects.get(user=user)
    assert (payment.amount_cents, payment.currency, payment.status) == (2000, "USD", "COMPLETED")
    assert PaymentIntentRecord.objects.get(stripe_session_id=SESSION_ID).status == "COMPLETED"
    assert outbox_types() == ["billing.payment_completed", "billing.subscription_activated"]
    assert WebhookEvent.objects.get(stripe_id="evt_fixture_checkout_session_completed").status == "PROCESSED"
    assert user.stripe_customer.stripe_customer_id == "cus_QXg1o8vcGmoR32"


def test_redelivered_event_is_answered_200_and_changes_nothing(subscribed, user, client):
    response = deliver(client, "checkout_session_completed", user_id=user.pk)

    assert response.status_code == 200
    assert response.json() == {"status": "received"}
    assert Payment.objects.count() == 1
    assert Subscription.objects.count() == 1
    assert outbox_types() == []


def test_checkout_session_expired_marks_the_record_expired(fake_stripe, user, client):
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)

    response = deliver(client, "checkout_session_expired", user_id=user.pk)

    assert response.status_code == 200
    assert PaymentIntentRecord.objects.get(stripe_session_id=SESSION_ID).status == "EXPIRED"
    assert not Subscription.objects.exists() and not Payment.objects.exists()


def test_invoice_payment_failed_makes_the_subscription_past_due_and_records_the_failure(subscribed, client):
    response = deliver(client, "invoice_payment_failed")

    assert response.status_code == 200
    subscribed.refresh_from_db()
    assert subscribed.status == "PAST_DUE"
    failed = Payment.objects.get(stripe_invoice_id=INVOICE_ID)
    assert (failed.status, failed.amount_cents) == ("FAILED", 2000)
    assert outbox_types() == ["billing.payment_failed"]


def test_invoice_paid_renewal_records_one_payment_and_extends_the_period(subscribed, client):
    deliver(client, "invoice_payment_failed")

    response = deliver(client, "invoice_paid")

    assert response.status_code == 200
    subscribed.refresh_from_db()
    assert subscribed.status == "ACTIVE"
    assert subscribed.ends_at >= at(1791021600)
    renewal = Payment.objects.get(stripe_invoice_id=INVOICE_ID)
    assert renewal.status == "COMPLETED"  # the failed attempt's payment, now paid: not a second row
    assert Payment.objects.count() == 2  # the checkout and the renewal
    assert outbox_types() == ["billing.payment_completed", "billing.payment_failed"]


def test_first_invoice_of_a_checkout_does_not_count_the_checkout_payment_twice(subscribed, client):
    first_invoice = event_dict("invoice_paid")
    first_invoice["id"] = "evt_first_invoice_paid"
    first_invoice["data"]["object"].update(id="in_first_of_checkout", billing_reason="subscription_create")

    response = deliver(client, first_invoice)

    assert response.status_code == 200
    payment = Payment.objects.get()
    assert payment.stripe_invoice_id == "in_first_of_checkout"
    assert outbox_types() == []


def test_invoice_paid_before_the_checkout_fulfilment_is_ignored_then_counted_once(fake_stripe, user, client):
    first_invoice = event_dict("invoice_paid")
    first_invoice["id"] = "evt_first_invoice_paid"
    first_invoice["data"]["object"].update(id="in_first_of_checkout", billing_reason="subscription_create")
    assert deliver(client, first_invoice).status_code == 200
    assert WebhookEvent.objects.get(stripe_id="evt_first_invoice_paid").status == "IGNORED"

    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))
    completed = event_dict("checkout_session_completed", user.pk)
    completed["data"]["object"]["invoice"] = "in_first_of_checkout"
    assert deliver(client, completed).status_code == 200

    assert Payment.objects.get().provider_reference == "in_first_of_checkout"


def test_subscription_updated_syncs_status_period_price_and_cancel_flag(subscribed, client):
    response = deliver(client, "customer_subscription_updated")

    assert response.status_code == 200
    subscribed.refresh_from_db()
    assert subscribed.status == "PAST_DUE"
    assert subscribed.current_period_start == at(1788429600)
    assert subscribed.ends_at == at(1791021600)
    assert subscribed.stripe_price_id == "price_1PgafmB7WZ01zgkW6dKueIc5"
    assert subscribed.cancel_at_period_end is False
    assert subscribed.last_stripe_event_created == at(1788433206)


def test_subscription_deleted_cancels_and_mails(subscribed, client):
    response = deliver(client, "customer_subscription_deleted")

    assert response.status_code == 200
    subscribed.refresh_from_db()
    assert subscribed.status == "CANCELED"
    assert subscribed.canceled_at == at(1789293600)
    assert subscribed.ended_at == subscribed.ends_at == at(1791021600)
    assert outbox_types() == ["billing.subscription_canceled"]


def test_charge_refunded_moves_the_renewal_payment_to_refunded(subscribed, fake_stripe, client):
    deliver(client, "invoice_paid")
    fake_stripe.state.invoice_payments[PAYMENT_INTENT_ID] = INVOICE_ID
    OutboxEvent.objects.all().delete()

    response = deliver(client, "charge_refunded")

    assert response.status_code == 200
    renewal = Payment.objects.get(stripe_invoice_id=INVOICE_ID)
    assert renewal.status == "REFUNDED"
    assert (renewal.stripe_charge_id, renewal.stripe_payment_intent_id) == (CHARGE_ID, PAYMENT_INTENT_ID)
    assert outbox_types() == ["billing.payment_refunded"]
    assert fake_stripe.requests_to("GET", "/v1/invoice_payments")[0].params["payment"] == {
        "type": "payment_intent",
        "payment_intent": PAYMENT_INTENT_ID,
    }


def test_refund_of_a_charge_we_cannot_place_is_recorded_and_ignored(subscribed, fake_stripe, client):
    response = deliver(client, "charge_refunded")

    assert response.status_code == 200
    assert WebhookEvent.objects.get(stripe_id="evt_fixture_charge_refunded").status == "IGNORED"
    assert not Payment.objects.filter(status="REFUNDED").exists()


def test_events_for_an_unknown_subscription_are_recorded_and_ignored(fake_stripe, client):
    names = ("invoice_paid", "invoice_payment_failed", "customer_subscription_updated", "customer_subscription_deleted")
    for name in names:
        assert deliver(client, name).status_code == 200

    assert set(WebhookEvent.objects.values_list("status", flat=True)) == {"IGNORED"}
    assert not Payment.objects.exists() and not Subscription.objects.exists() and not OutboxEvent.objects.exists()


def test_unhandled_event_types_are_stored_as_ignored(fake_stripe, client):
    for name in ("charge_dispute_created", "payment_intent_succeeded", "invoice_payment_succeeded"):
        assert deliver(client, name).status_code == 200

    assert WebhookEvent.objects.filter(status="IGNORED").count() == 3


# --- signature -------------------------------------------------------------------------


def _body() -> bytes:
    return event_text("invoice_paid").encode()


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body: signed_post(APIClient(), body, header="")),
        pytest.param(lambda body: signed_post(APIClient(), body, secret="whsec_someone_else")),
        pytest.param(lambda body: signed_post(APIClient(), body, timestamp=int(time.time()) - 301)),
        pytest.param(
            lambda body: APIClient().post(
                "/api/billing/webhook/",
                data=body.replace(b"2000", b"1"),
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=stripe_signature(body, "whsec_test_ressourcefy"),
            )
        ),
    ],
    ids=["missing header", "wrong secret", "older than 300 s", "body changed after signing"],
)
def test_unverified_deliveries_are_400_and_store_nothing(fake_stripe, tamper):
    response = tamper(_body())

    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert response.json()["error"]["code"] == "invalid_signature"
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"[]",
        b'"a string"',
        b"{}",
        b'{"id": "evt_1", "type": "checkout.session.completed", "data": {}}',
        b'{"id": "evt_1", "type": "checkout.session.completed", "data": {"object": []}}',
        b'{"id": 7, "type": "checkout.session.completed", "data": {"object": {}}}',
        b"\xff\xfe",
    ],
)
def test_a_signed_body_that_is_not_an_event_is_400_malformed_and_stores_nothing(fake_stripe, client, body):
    response = signed_post(client, body)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "malformed_event"
    assert not WebhookEvent.objects.exists()


def test_a_signature_among_several_v1_entries_is_accepted(fake_stripe, client):
    body = _body()
    good = stripe_signature(body, "whsec_test_ressourcefy")
    timestamp, signature = good.split(",")
    response = signed_post(client, body, header=f"{timestamp},v1={'0' * 64},{signature}")

    assert response.status_code == 200


# --- ordering --------------------------------------------------------------------------


def test_an_older_subscription_update_does_not_overwrite_a_newer_one(subscribed, client):
    newer = event_dict("customer_subscription_updated")
    newer["id"] = "evt_newer_update"
    newer["data"]["object"].update(status="active", cancel_at_period_end=True)
    newer["created"] = 1789293600
    assert deliver(client, newer).status_code == 200

    older = event_dict("customer_subscription_updated")  # past_due, created 1788433206
    assert deliver(client, older).status_code == 200

    subscribed.refresh_from_db()
    assert (subscribed.status, subscribed.cancel_at_period_end) == ("ACTIVE", True)
    assert WebhookEvent.objects.get(stripe_id=older["id"]).status == "IGNORED"


def test_a_late_update_after_deletion_leaves_the_subscription_canceled(subscribed, client):
    assert deliver(client, "customer_subscription_deleted").status_code == 200
    late = event_dict("customer_subscription_updated")
    late["id"] = "evt_late_update"
    late["data"]["object"]["status"] = "active"
    late["created"] = 1791021700  # even one stamped after the deletion

    assert deliver(client, late).status_code == 200
    assert deliver(client, "customer_subscription_updated").status_code == 200

    subscribed.refresh_from_db()
    assert subscribed.status == "CANCELED"
    assert subscribed.ends_at == at(1791021600)


def test_an_older_payment_failure_does_not_make_a_renewed_subscription_past_due(subscribed, client):
    deliver(client, "invoice_paid")
    stale_failure = event_dict("invoice_payment_failed")
    stale_failure["data"]["object"]["id"] = "in_an_older_invoice"

    deliver(client, stale_failure)

    subscribed.refresh_from_db()
    assert subscribed.status == "ACTIVE"


# --- failures --------------------------------------------------------------------------


def test_a_failing_handler_rolls_back_records_failed_and_the_redelivery_succeeds(
    fake_stripe, user, client, monkeypatch
):
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))
    real_emit = checkout_service.emit_event

    def emit_then_fail(aggregate_type, aggregate_id, event_type, payload):
        real_emit(aggregate_type, aggregate_id, event_type, payload)
        if event_type == "billing.subscription_activated":
            raise RuntimeError("database hiccup after the payment was written")

    monkeypatch.setattr(checkout_service, "emit_event", emit_then_fail)
    response = deliver(client, "checkout_session_completed", user_id=user.pk)

    assert response.status_code == 500
    assert response.json()["error"]["code"] == "webhook_processing_failed"
    row = WebhookEvent.objects.get(stripe_id="evt_fixture_checkout_session_completed")
    assert row.status == "FAILED"
    assert "database hiccup" in row.error_message
    assert not Payment.objects.exists() and not Subscription.objects.exists() and not OutboxEvent.objects.exists()
    assert PaymentIntentRecord.objects.get().status == "CREATED"

    monkeypatch.setattr(checkout_service, "emit_event", real_emit)
    response = deliver(client, "checkout_session_completed", user_id=user.pk)

    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.status, row.error_message) == ("PROCESSED", "")
    assert Payment.objects.count() == 1
    assert outbox_types() == ["billing.payment_completed", "billing.subscription_activated"]


def test_stripe_unreachable_during_fulfilment_is_500_and_recorded_for_redelivery(fake_stripe, user, client):
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(user_id=user.pk))
    fake_stripe.fail_next(status=500)

    response = deliver(client, "checkout_session_completed", user_id=user.pk)

    assert response.status_code == 500
    assert WebhookEvent.objects.get().status == "FAILED"
    assert not Payment.objects.exists()
    assert deliver(client, "checkout_session_completed", user_id=user.pk).status_code == 200
    assert Payment.objects.count() == 1


# --- found by the chaos replay (test_chaos_replay.py) ------------------------------------


def test_a_late_payment_failure_of_a_refunded_invoice_sends_no_failure_mail(subscribed, fake_stripe, client):
    fake_stripe.state.invoice_payments[PAYMENT_INTENT_ID] = INVOICE_ID
    deliver(client, "invoice_paid")
    deliver(client, "charge_refunded")
    OutboxEvent.objects.all().delete()

    response = deliver(client, "invoice_payment_failed")  # the first attempt's failure, delivered last

    assert response.status_code == 200
    assert WebhookEvent.objects.get(stripe_id="evt_fixture_invoice_payment_failed").status == "IGNORED"
    assert Payment.objects.get(stripe_invoice_id=INVOICE_ID).status == "REFUNDED"
    assert outbox_types() == []


def test_a_refund_delivered_before_its_invoice_paid_is_parked_and_applied_with_it(subscribed, fake_stripe, client):
    fake_stripe.state.invoice_payments[PAYMENT_INTENT_ID] = INVOICE_ID

    early = deliver(client, "charge_refunded")

    assert early.status_code == 200
    assert WebhookEvent.objects.get(stripe_id="evt_fixture_charge_refunded").status == "PROCESSED"
    assert not Payment.objects.filter(stripe_invoice_id=INVOICE_ID).exists()
    deliver(client, "invoice_paid")
    assert Payment.objects.get(stripe_invoice_id=INVOICE_ID).status == "REFUNDED"
    assert deliver(client, "charge_refunded").status_code == 200  # Stripe's redelivery: nothing more
    assert outbox_types() == ["billing.payment_completed", "billing.payment_refunded"]
