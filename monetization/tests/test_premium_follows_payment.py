"""Premium access follows what was paid: each case through the webhook, read at a moved clock.

The user's view is `GET /api/billing/subscription/` (`has_premium`, `access_until`) and the
premium resource's `access/` endpoint; both must say the same.
"""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from audit.models import AuditLog
from core.models import OutboxEvent
from monetization.models import ParkedChargeEvent, Payment, PaymentIntentRecord, Subscription
from monetization.tests.billing_story import (
    DAY,
    FIRST_PERIOD,
    HOUR,
    RENEWAL_PERIOD,
    at,
    dispute_closed,
    first_invoice_paid,
    partial_refund,
    post,
    renewal_paid_again,
    stripe_event,
    subscription_status,
)
from monetization.tests.stripe_fixtures import (
    INVOICE_ID,
    PAYMENT_INTENT_ID,
    SESSION_ID,
    SUBSCRIPTION_ID,
    event_dict,
    live_subscription,
)
from resources.models import Visibility
from resources.tests.factories import ResourceFactory, ResourceVersionFactory

pytestmark = pytest.mark.django_db
CHECKOUT_AT = 1785751210  # just after checkout.session.completed
PAID_END = FIRST_PERIOD[1]
GRACE = 72 * HOUR


@pytest.fixture
def premium_resource():
    resource = ResourceFactory(visibility=Visibility.PREMIUM)
    ResourceVersionFactory(resource=resource, version_number=1)
    return resource


@pytest.fixture
def reader(user, premium_resource):
    """What the user sees of premium: (has_premium, access_until, access/ status)."""
    client = APIClient()
    client.force_authenticate(user)

    def read() -> tuple[bool, str | None, int]:
        data = client.get("/api/billing/subscription/").json()["data"]
        opened = client.get(f"/api/resources/{premium_resource.pk}/access/").status_code
        assert data["has_premium"] == (opened == 200), "the plan and the access/ endpoint disagree"
        return data["has_premium"], data["access_until"], opened

    return read


@pytest.fixture
def subscribed(fake_stripe, user, time_machine):
    """The story's sign-up at its own time: Stripe holds the first period, the checkout paid it."""
    time_machine.move_to(at(CHECKOUT_AT), tick=False)
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(
        live_subscription(period_start=FIRST_PERIOD[0], period_end=FIRST_PERIOD[1], user_id=user.pk)
    )
    fake_stripe.state.invoice_payments[PAYMENT_INTENT_ID] = INVOICE_ID
    assert post("checkout_session_completed", user) == 200
    return Subscription.objects.get(stripe_subscription_id=SUBSCRIPTION_ID)


def has_premium_at(time_machine, reader, unix: int) -> bool:
    time_machine.move_to(at(unix), tick=False)
    return reader()[0]


# --- each Stripe status, inside the paid period / inside the grace / after it ------------

INSIDE, IN_GRACE, AFTER = PAID_END - 10 * DAY, PAID_END + GRACE - HOUR, PAID_END + GRACE + HOUR
EXPECTED = {
    "active": (True, True, False),
    "trialing": (True, True, False),
    "past_due": (True, True, False),
    "canceled": (True, False, False),  # Stripe ended it at the period's end: no grace
    "unpaid": (False, False, False),
    "incomplete": (False, False, False),
    "incomplete_expired": (False, False, False),
    "paused": (False, False, False),
}


@pytest.mark.parametrize("clock", ["inside", "in_grace", "after"])
@pytest.mark.parametrize("stripe_status", sorted(EXPECTED))
def test_each_stripe_status_grants_what_the_table_says(subscribed, user, reader, time_machine, stripe_status, clock):
    ended = {"ended_at": PAID_END} if stripe_status == "canceled" else {}
    assert post(subscription_status(stripe_status, created=CHECKOUT_AT + 60, **ended)(user.pk), user) == 200

    unix = {"inside": INSIDE, "in_grace": IN_GRACE, "after": AFTER}[clock]
    expected = EXPECTED[stripe_status][["inside", "in_grace", "after"].index(clock)]
    assert has_premium_at(time_machine, reader, unix) is expected
    assert Subscription.objects.get().status == stripe_status.upper()


def test_a_subscription_set_to_cancel_has_no_grace(subscribed, user, reader, time_machine):
    post(subscription_status("active", created=CHECKOUT_AT + 60, cancel_at_period_end=True)(user.pk), user)

    assert has_premium_at(time_machine, reader, PAID_END - HOUR)
    assert reader()[1] == "2026-09-03T10:00:00Z"
    assert not has_premium_at(time_machine, reader, PAID_END + HOUR)


def test_a_trial_with_nothing_paid_lasts_until_trial_end(user, reader, time_machine):
    time_machine.move_to(at(CHECKOUT_AT), tick=False)
    Subscription.objects.create(
        user=user,
        plan=Subscription.Plan.PREMIUM,
        status=Subscription.Status.TRIALING,
        started_at=at(FIRST_PERIOD[0]),
        trial_end=at(FIRST_PERIOD[0] + 14 * DAY),
        ends_at=at(FIRST_PERIOD[0] + 14 * DAY),
    )

    assert has_premium_at(time_machine, reader, FIRST_PERIOD[0] + 14 * DAY - HOUR)
    assert not has_premium_at(time_machine, reader, FIRST_PERIOD[0] + 14 * DAY + HOUR)


# --- renewals ----------------------------------------------------------------------------


def test_a_failed_renewal_closes_premium_after_the_grace_and_its_retry_reopens_it(
    subscribed, user, reader, time_machine
):
    time_machine.move_to(at(1788433210), tick=False)
    assert post("invoice_payment_failed", user) == 200
    assert post("customer_subscription_updated", user) == 200  # past_due, Stripe's period to 2026-10-03
    subscription = Subscription.objects.get()
    assert (subscription.status, subscription.ends_at) == ("PAST_DUE", at(RENEWAL_PERIOD[1]))
    assert subscription.paid_through == at(PAID_END)  # Stripe's new period end moved no access

    assert has_premium_at(time_machine, reader, PAID_END + GRACE - HOUR)  # Stripe retries the card
    assert not has_premium_at(time_machine, reader, PAID_END + GRACE + 60)
    assert not has_premium_at(time_machine, reader, RENEWAL_PERIOD[1] - DAY)  # the unpaid period

    time_machine.move_to(at(1788692410), tick=False)
    assert post("invoice_paid", user) == 200  # the retry paid
    assert reader()[:2] == (True, "2026-10-06T10:00:00Z")
    assert Subscription.objects.get().status == "ACTIVE"


def test_the_expiry_job_follows_the_rule_and_only_a_payment_reopens_an_expired_row(
    subscribed, user, reader, time_machine
):
    time_machine.move_to(at(1788433210), tick=False)
    post("invoice_payment_failed", user)
    time_machine.move_to(at(PAID_END + GRACE + 60), tick=False)
    call_command("expire_subscriptions")
    assert Subscription.objects.get().status == "EXPIRED"
    post(subscription_status("past_due", created=PAID_END + GRACE)(user.pk), user)  # Stripe still retries
    assert Subscription.objects.get().status == "EXPIRED"

    post("invoice_paid", user)

    assert Subscription.objects.get().status == "ACTIVE"
    assert reader()[0]
    assert OutboxEvent.objects.filter(event_type="billing.subscription_expired").count() == 1


# --- refunds -----------------------------------------------------------------------------


@pytest.fixture
def renewed(subscribed, user, time_machine):
    """The renewal paid (2026-09-06), so the refunded charge paid the latest period."""
    time_machine.move_to(at(1788692410), tick=False)
    assert post("invoice_paid", user) == 200
    OutboxEvent.objects.all().delete()
    return subscribed


def test_a_full_refund_of_the_latest_period_ends_premium_at_once(renewed, user, reader, time_machine):
    time_machine.move_to(at(1788861610), tick=False)

    assert post("charge_refunded", user) == 200

    payment = Payment.objects.get(stripe_invoice_id=INVOICE_ID)
    assert (payment.status, payment.refunded_cents, payment.amount_cents) == ("REFUNDED", 2000, 2000)
    assert reader() == (False, None, 403)
    event = OutboxEvent.objects.get(event_type="billing.payment_refunded")
    assert (event.payload["amount_refunded_cents"], event.payload["refunded_in_full"]) == (2000, True)
    assert AuditLog.objects.filter(object_id=str(payment.pk), after_state__status="REFUNDED").exists()


def test_partial_refunds_add_up_and_change_no_access(renewed, user, reader, time_machine):
    time_machine.move_to(at(1788861610), tick=False)

    assert post(partial_refund(500, created=1788861602)(user.pk), user) == 200
    assert post(partial_refund(1200, created=1788861702)(user.pk), user) == 200

    payment = Payment.objects.get(stripe_invoice_id=INVOICE_ID)
    assert (payment.status, payment.refunded_cents, payment.amount_cents) == ("COMPLETED", 1200, 2000)
    assert reader()[0] is True
    assert OutboxEvent.objects.filter(event_type="billing.payment_refunded").count() == 2
    assert post("charge_refunded", user) == 200  # the rest: now refunded in full
    assert reader()[0] is False


def test_a_refund_that_comes_before_invoice_paid_is_applied_when_the_payment_is(subscribed, user, reader, time_machine):
    time_machine.move_to(at(1788692410), tick=False)

    assert post("charge_refunded", user) == 200
    assert ParkedChargeEvent.objects.get().applied_at is None
    assert post("invoice_paid", user) == 200

    assert Payment.objects.get(stripe_invoice_id=INVOICE_ID).status == "REFUNDED"
    assert ParkedChargeEvent.objects.get().applied_at is not None
    assert reader()[0] is False


def test_invoice_paid_after_its_refund_is_a_200_no_op(renewed, user, reader, time_machine):
    time_machine.move_to(at(1788861610), tick=False)
    post("charge_refunded", user)
    OutboxEvent.objects.all().delete()

    assert post("invoice_paid", user) == 200  # Stripe's redelivery of the same event
    assert post(renewal_paid_again(user.pk), user) == 200  # the same invoice under a new event id

    assert Payment.objects.get(stripe_invoice_id=INVOICE_ID).status == "REFUNDED"
    assert not OutboxEvent.objects.exists()
    assert reader()[0] is False


# --- disputes ----------------------------------------------------------------------------


def test_an_opened_dispute_ends_premium_and_a_won_one_restores_it(renewed, user, reader, time_machine):
    time_machine.move_to(at(1789466410), tick=False)

    assert post("charge_dispute_created", user) == 200
    assert reader()[0] is False
    assert post(dispute_closed("won")(user.pk), user) == 200

    assert reader()[:2] == (True, "2026-10-06T10:00:00Z")
    assert Payment.objects.get(stripe_invoice_id=INVOICE_ID).dispute_status == "won"
    assert sorted(OutboxEvent.objects.values_list("event_type", flat=True)) == [
        "billing.dispute_closed",
        "billing.dispute_opened",
    ]


def test_a_lost_dispute_keeps_premium_closed(renewed, user, reader, time_machine):
    time_machine.move_to(at(1789466410), tick=False)
    post("charge_dispute_created", user)

    assert post(dispute_closed("lost")(user.pk), user) == 200

    assert reader()[0] is False
    payment = Payment.objects.get(stripe_invoice_id=INVOICE_ID)
    assert AuditLog.objects.filter(object_id=str(payment.pk), after_state__dispute_status="lost").exists()


def test_a_dispute_closed_before_it_was_opened_stays_closed(renewed, user, reader, time_machine):
    time_machine.move_to(at(1789466410), tick=False)

    post(dispute_closed("won")(user.pk), user)
    assert post("charge_dispute_created", user) == 200  # the older event, late

    assert reader()[0] is True
    assert Payment.objects.get(stripe_invoice_id=INVOICE_ID).dispute_status == "won"


# --- confirm and a late, older event -----------------------------------------------------


def test_confirm_then_an_older_subscription_created_keeps_the_paid_subscription(
    fake_stripe, user, reader, time_machine
):
    time_machine.move_to(at(CHECKOUT_AT), tick=False)
    record_and_stripe_subscription(fake_stripe, user)
    client = APIClient()
    client.force_authenticate(user)
    assert client.post("/api/billing/checkout/confirm/", {"session_id": SESSION_ID}, format="json").status_code == 200

    incomplete = stripe_event(
        "customer_subscription_created", user.pk, edit=lambda subscription: subscription.update(status="incomplete")
    )
    assert incomplete["created"] < CHECKOUT_AT
    assert post(incomplete, user) == 200

    subscription = Subscription.objects.get()
    assert subscription.status == "ACTIVE"
    assert subscription.last_stripe_event_created == at(CHECKOUT_AT)
    assert reader()[:2] == (True, "2026-09-06T10:00:00Z")


def test_the_first_invoice_links_to_the_checkout_payment_and_pays_the_same_period(subscribed, user):
    assert post(first_invoice_paid(user.pk), user) == 200

    payment = Payment.objects.get()
    assert (payment.stripe_invoice_id, payment.period_end) == ("in_story_first_invoice_of_checkout", at(PAID_END))
    assert Subscription.objects.get().paid_through == at(PAID_END)


def record_and_stripe_subscription(fake_stripe, user) -> None:
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(
        live_subscription(period_start=FIRST_PERIOD[0], period_end=FIRST_PERIOD[1], user_id=user.pk)
    )
    fake_stripe.state.sessions[SESSION_ID] = event_dict("checkout_session_completed", user.pk)["data"]["object"]
