"""GET subscription/, POST subscription/cancel/, GET payments/ and the expiry command."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from application.policies.subscription_policy import has_active_subscription
from core.models import OutboxEvent
from monetization.models import Subscription
from monetization.tests.factories import PaymentFactory, SubscriptionFactory
from monetization.tests.stripe_fixtures import live_subscription
from read_models.billing import get_subscription, list_payments

pytestmark = pytest.mark.django_db


def test_a_user_who_never_subscribed_is_on_the_free_plan(user_client):
    response = user_client.get("/api/billing/subscription/")

    assert response.status_code == 200
    assert response.json()["data"] == {
        "plan": "FREE",
        "status": None,
        "started_at": None,
        "ends_at": None,
        "cancel_at_period_end": False,
        "access_until": None,
        "has_premium": False,
    }


def test_the_subscription_shown_is_the_one_granting_premium(user, user_client):
    SubscriptionFactory(user=user, status="EXPIRED", ends_at=timezone.now() - datetime.timedelta(days=40))
    live = SubscriptionFactory(user=user)

    data = user_client.get("/api/billing/subscription/").json()["data"]

    assert (data["plan"], data["status"]) == ("PREMIUM", "ACTIVE")
    assert data["ends_at"] == live.ends_at.isoformat().replace("+00:00", "Z")


def test_subscription_read_is_one_query(user, django_assert_num_queries):
    for _ in range(5):
        SubscriptionFactory(user=user, status="EXPIRED", ends_at=timezone.now() - datetime.timedelta(days=3))
    with django_assert_num_queries(1):
        get_subscription(user=user)


def test_cancel_asks_stripe_to_cancel_at_period_end_and_keeps_access(fake_stripe, user, user_client):
    subscription = SubscriptionFactory(user=user, stripe_subscription_id="sub_cancel_me")
    fake_stripe.add_subscription(live_subscription("sub_cancel_me", user_id=user.pk))

    response = user_client.post("/api/billing/subscription/cancel/")

    assert response.status_code == 200
    assert response.json()["data"]["cancel_at_period_end"] is True
    (call,) = fake_stripe.requests_to("POST", "/v1/subscriptions/sub_cancel_me")
    assert call.params == {"cancel_at_period_end": "true"}
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end and subscription.status == "ACTIVE"
    assert has_active_subscription(user)
    assert list(OutboxEvent.objects.values_list("event_type", flat=True)) == ["billing.subscription_canceled"]


def test_canceling_twice_calls_stripe_once(fake_stripe, user, user_client):
    SubscriptionFactory(user=user, stripe_subscription_id="sub_cancel_me")
    fake_stripe.add_subscription(live_subscription("sub_cancel_me", user_id=user.pk))

    user_client.post("/api/billing/subscription/cancel/")
    response = user_client.post("/api/billing/subscription/cancel/")

    assert response.status_code == 200
    assert len(fake_stripe.requests_to("POST", "/v1/subscriptions/")) == 1
    assert OutboxEvent.objects.count() == 1


def test_cancel_without_a_subscription_is_404(fake_stripe, user_client):
    response = user_client.post("/api/billing/subscription/cancel/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "no_active_subscription"
    assert fake_stripe.requests == []


def test_payments_lists_only_the_users_payments_newest_first(user, user_client):
    older = PaymentFactory(user=user)
    newer = PaymentFactory(user=user, status="REFUNDED")
    PaymentFactory()  # someone else's

    response = user_client.get("/api/billing/payments/")

    assert response.status_code == 200
    assert [p["id"] for p in response.json()["data"]] == [str(newer.pk), str(older.pk)]
    assert response.json()["data"][0] == {
        "id": str(newer.pk),
        "amount_cents": 2000,
        "currency": "USD",
        "status": "REFUNDED",
        "created_at": newer.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert response.json()["meta"] == {"page": 1, "page_size": 20, "has_next": False}


@pytest.mark.parametrize("count", [1, 100])
def test_payments_page_is_one_query_whatever_the_page_size(user, count, django_assert_num_queries):
    PaymentFactory.create_batch(count, user=user)
    with django_assert_num_queries(1):
        page = list_payments(user=user, page=1, page_size=50)
    assert len(page.items) == min(count, 50)
    assert page.meta.has_next is (count > 50)


def test_billing_reads_need_a_signed_in_user():
    client = APIClient()
    assert client.get("/api/billing/subscription/").status_code == 401
    assert client.get("/api/billing/payments/").status_code == 401


def test_expiry_marks_lapsed_subscriptions_expired_once(user):
    now = timezone.now()
    ending = SubscriptionFactory(user=user, cancel_at_period_end=True, ends_at=now - datetime.timedelta(minutes=1))
    renewing_late = SubscriptionFactory(ends_at=now - datetime.timedelta(hours=2))  # Stripe may still charge
    abandoned = SubscriptionFactory(status="PAST_DUE", ends_at=now - datetime.timedelta(days=4))
    current = SubscriptionFactory(ends_at=now + datetime.timedelta(days=3))

    call_command("expire_subscriptions")
    call_command("expire_subscriptions")

    statuses = dict(Subscription.objects.values_list("pk", "status"))
    assert statuses[ending.pk] == statuses[abandoned.pk] == "EXPIRED"
    assert statuses[renewing_late.pk] == statuses[current.pk] == "ACTIVE"
    assert OutboxEvent.objects.filter(event_type="billing.subscription_expired").count() == 2
