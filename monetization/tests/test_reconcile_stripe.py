"""`manage.py reconcile_stripe` against the Stripe simulator: missed webhooks caught up, drift repaired."""

import contextlib
import datetime
import io
import time

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from prometheus_client import REGISTRY
from rest_framework.test import APIClient

from application.dto.billing import ReconcileStripeCommand
from application.use_cases.reconcile_stripe import reconcile_stripe
from audit.models import AuditLog
from core.tests.at_once import at_once
from monetization.access import holds_premium
from monetization.models import Payment, ReconcileLock, Subscription, WebhookEvent
from monetization.services.reconcile_lock import LOCK_NAME, reconcile_lock
from monetization.services.stripe_events import RULES
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PRICE = "price_premium_yearly"


@pytest.fixture
def app():
    """Sends the simulator's webhooks to the app on the test's thread."""
    client = Client()

    def send(body: bytes, headers: dict[str, str]) -> int:
        return client.post(
            "/api/billing/webhook/",
            data=body,
            content_type=headers["Content-Type"],
            HTTP_STRIPE_SIGNATURE=headers["Stripe-Signature"],
        ).status_code

    return send


def buy(fake_stripe):
    """A user who paid through Checkout; the simulator queues the webhooks but sends none yet."""
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(
        "/api/billing/checkout/",
        {"price_id": PRICE, "success_url": "http://localhost:3000/ok", "cancel_url": "http://localhost:3000/no"},
        format="json",
    )
    assert response.status_code == 200, response.content
    session_id = response.json()["data"]["sessionId"]
    fake_stripe.pay(session_id)
    return user, fake_stripe.state.sessions[session_id]["subscription"]


def reconcile(*args) -> str:
    out = io.StringIO()
    call_command("reconcile_stripe", *args, stdout=out)
    return out.getvalue()


def billing_state(user) -> dict:
    """What the user's billing looks like to them and to us, without ids and clock values."""
    subscription = Subscription.objects.get(user=user)
    # The webhook also stores the types it ignores unread; reconciliation lists only the handled ones.
    events = WebhookEvent.objects.filter(
        payload__data__object__customer=subscription.stripe_customer_id, event_type__in=RULES
    )
    return {
        "premium": holds_premium(user),
        "subscription": (subscription.plan, subscription.status, subscription.cancel_at_period_end),
        "paid_through_set": subscription.paid_through is not None,
        "payments": sorted(Payment.objects.filter(user=user).values_list("status", "amount_cents")),
        "events": sorted(events.values_list("event_type", "status")),
    }


def test_a_purchase_whose_webhooks_never_arrived_is_made_premium_as_the_webhook_would(fake_stripe, app):
    delivered_user, _ = buy(fake_stripe)
    fake_stripe.deliver_pending(app)
    missed_user, _ = buy(fake_stripe)
    assert not holds_premium(missed_user)

    output = reconcile()

    assert billing_state(missed_user) == billing_state(delivered_user)
    assert billing_state(missed_user)["premium"] is True
    new = WebhookEvent.objects.filter(source=WebhookEvent.Source.RECONCILE)
    assert new.count() == len(billing_state(missed_user)["events"]) > 0
    assert f"new {new.count()}, failed 0" in output
    assert "repaired 0" in output

    stored = WebhookEvent.objects.count()

    again = reconcile()

    assert "new 0, failed 0" in again
    assert "checked 2, repaired 0" in again
    assert WebhookEvent.objects.count() == stored


def test_metrics_show_the_last_delivery_and_the_repairs(fake_stripe, app):
    buy(fake_stripe)
    fake_stripe.deliver_pending(app)
    user, subscription_id = buy(fake_stripe)
    before = REGISTRY.get_sample_value("stripe_reconcile_repairs_total", {"kind": "event"}) or 0

    reconcile()

    metrics = Client().get("/metrics").content.decode()
    assert "stripe_webhook_last_received_timestamp_seconds " in metrics
    assert REGISTRY.get_sample_value("stripe_webhook_last_received_timestamp_seconds") > time.time() - 600
    applied = WebhookEvent.objects.filter(source=WebhookEvent.Source.RECONCILE).count()
    assert REGISTRY.get_sample_value("stripe_reconcile_repairs_total", {"kind": "event"}) == before + applied


def test_the_admin_filters_webhook_events_by_source(fake_stripe, admin_client):
    buy(fake_stripe)
    reconcile()

    page = admin_client.get("/admin/monetization/webhookevent/", {"source__exact": "reconcile"})

    assert page.status_code == 200
    assert page.context["cl"].result_count == WebhookEvent.objects.filter(source="reconcile").count() > 0
    assert (
        admin_client.get("/admin/monetization/webhookevent/", {"source__exact": "webhook"}).context["cl"].result_count
        == 0
    )


def test_only_handled_event_types_are_listed_and_the_window_is_capped_at_30_days(fake_stripe):
    reconcile("--since-hours", "100000")

    (listing,) = fake_stripe.requests_to("GET", "/v1/events")
    assert "customer.subscription.deleted" in listing.params["types"]
    assert "refund.created" not in listing.params["types"]
    assert int(listing.params["created"]["gte"]) >= int(time.time()) - 30 * 24 * 3600 - 5


def test_a_lost_deletion_is_repaired_audited_and_access_follows(fake_stripe, app):
    user, subscription_id = buy(fake_stripe)
    fake_stripe.deliver_pending(app)
    assert holds_premium(user)
    fake_stripe.move("end", subscription_id)
    fake_stripe.events.pop()  # the deletion event is lost: only the subscription says it ended

    output = reconcile()

    assert "checked 1, repaired 1" in output
    subscription = Subscription.objects.get(user=user)
    assert subscription.status == Subscription.Status.CANCELED
    assert subscription.ended_at is not None
    assert not holds_premium(user)
    audit = AuditLog.objects.filter(object_id=str(subscription.pk)).order_by("-created_at").first()
    assert audit.before_state["status"] == "ACTIVE"
    assert audit.after_state["status"] == "CANCELED"
    assert "checked 0, repaired 0" in reconcile()  # an ended subscription is final: not checked again


@pytest.mark.parametrize("fault", ["500", "429", "timeout"])
def test_stripe_failing_mid_listing_applies_nothing_and_the_next_run_completes(fake_stripe, fault):
    user, _ = buy(fake_stripe)
    buy(fake_stripe)
    assert len(fake_stripe.events) > 2
    if fault == "timeout":
        fake_stripe.hang_next(3, after=1)  # past the client's 2-second timeout
    else:
        fake_stripe.fail_next(int(fault), after=1)  # the first page answers, the second does not

    report = reconcile_stripe(ReconcileStripeCommand(page_size=2))

    assert not report.ok
    assert "nothing was applied" in report.error
    assert WebhookEvent.objects.count() == 0
    assert not Subscription.objects.exists()
    assert not ReconcileLock.objects.exists()

    assert reconcile_stripe(ReconcileStripeCommand(page_size=2)).ok
    assert holds_premium(user)


def test_the_command_exits_non_zero_with_a_clear_message_when_stripe_fails(fake_stripe):
    buy(fake_stripe)
    fake_stripe.fail_next(500)

    with pytest.raises(CommandError, match="Listing Stripe events failed .*nothing was applied"):
        reconcile()


def test_dry_run_changes_nothing_and_prints_what_it_would_do(fake_stripe, app):
    drifted, subscription_id = buy(fake_stripe)
    fake_stripe.deliver_pending(app)
    fake_stripe.move("end", subscription_id)
    fake_stripe.events.pop()
    missed, _ = buy(fake_stripe)
    audits = AuditLog.objects.count()
    events = WebhookEvent.objects.count()

    output = reconcile("--dry-run")

    assert "would apply checkout.session.completed" in output
    assert f"would repair subscription {subscription_id} to Stripe's canceled" in output
    assert "dry run: " in output
    assert (WebhookEvent.objects.count(), AuditLog.objects.count()) == (events, audits)
    assert holds_premium(drifted) and not holds_premium(missed)


@contextlib.contextmanager
def lock_held_elsewhere():
    """Another process's run: it holds the lock on connections of its own."""
    with reconcile_lock() as acquired:
        assert acquired
        yield


def test_a_run_while_another_holds_the_lock_does_nothing_and_exits_non_zero(fake_stripe):
    user, _ = buy(fake_stripe)
    with lock_held_elsewhere():
        with pytest.raises(CommandError, match="Another Stripe reconciliation is running"):
            reconcile()
        assert WebhookEvent.objects.count() == 0
    reconcile()
    assert holds_premium(user)


def test_a_crashed_runs_lock_row_is_taken_over_after_hours(fake_stripe):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL drops a dead session's advisory lock by itself")
    ReconcileLock.objects.create(name=LOCK_NAME, acquired_at=timezone.now() - datetime.timedelta(hours=7))

    assert "events fetched 0" in reconcile()
    assert not ReconcileLock.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_on_postgresql_one_exits_and_no_event_is_stored_twice(fake_stripe):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    users = [buy(fake_stripe)[0] for _ in range(3)]
    fake_stripe.hang_next(0.5)  # the first listing is slow, so the runs overlap
    reports = at_once(2, lambda _: reconcile_stripe(ReconcileStripeCommand()))

    assert sorted(report.locked_out for report in reports) == [False, True]
    stored = list(WebhookEvent.objects.values_list("stripe_id", flat=True))
    assert len(stored) == len(set(stored)) > 0
    assert all(holds_premium(user) for user in users)


def reconcile_in_admin(admin_client, subscription: Subscription):
    return admin_client.post(
        "/admin/monetization/subscription/",
        {"action": "reconcile_with_stripe", "_selected_action": [str(subscription.pk)]},
        follow=True,
    )


def test_the_admin_reconciles_one_subscription_now_and_names_the_operator(fake_stripe, app, admin_client, admin_user):
    user, subscription_id = buy(fake_stripe)
    fake_stripe.deliver_pending(app)
    fake_stripe.move("end", subscription_id)
    fake_stripe.events.pop()  # the deletion event is lost
    subscription = Subscription.objects.get(user=user)

    page = reconcile_in_admin(admin_client, subscription)

    assert "Repaired 1, already in step 0, Stripe unreachable for 0." in page.content.decode()
    subscription.refresh_from_db()
    assert subscription.status == Subscription.Status.CANCELED
    assert not holds_premium(user)
    operator_row = AuditLog.objects.filter(object_id=str(subscription.pk), actor=admin_user).get()
    assert operator_row.after_state == {"status": "CANCELED", "repaired": True}
    assert "already in step 1" in reconcile_in_admin(admin_client, subscription).content.decode()


def test_the_admin_action_reports_stripe_unreachable_and_changes_nothing(fake_stripe, app, admin_client):
    user, _ = buy(fake_stripe)
    fake_stripe.deliver_pending(app)
    subscription = Subscription.objects.get(user=user)
    fake_stripe.fail_next(500)

    page = reconcile_in_admin(admin_client, subscription)

    assert "Stripe unreachable for 1." in page.content.decode()
    assert Subscription.objects.get(pk=subscription.pk).status == subscription.status
    assert holds_premium(user)
