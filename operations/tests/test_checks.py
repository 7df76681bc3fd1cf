from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from core.models import DataQualityIssue, OutboxEvent
from monetization.models import Payment, PaymentIntentRecord, Subscription, WebhookEvent
from monetization.tests.factories import PaymentFactory, SubscriptionFactory
from operations.checks import CHECKS, run_checks
from operations.tests.factories import OutboxEventFactory, PaymentIntentRecordFactory, WebhookEventFactory
from resources.tests.factories import ResourceFactory, ResourceVersionFactory

pytestmark = pytest.mark.django_db


def ago(**delta) -> datetime:
    return timezone.now() - timedelta(**delta)


@dataclass(frozen=True)
class Case:
    check: str
    broken: Callable[[], object]  # creates a row the check must report; returns its id
    healthy: Callable[[], None]  # creates rows the check must ignore
    fix: Callable[[object], None]  # repairs the broken row


def payment_without_subscription():
    return PaymentFactory().pk


def healthy_payments():
    paid = PaymentFactory()
    SubscriptionFactory(user=paid.user)  # active
    ended = PaymentFactory()
    SubscriptionFactory(user=ended.user, status=Subscription.Status.EXPIRED, ends_at=ago(days=40))
    PaymentFactory(status=Payment.Status.PENDING)  # not completed: nothing is owed yet


def give_subscription(payment_id):
    SubscriptionFactory(user=Payment.objects.get(pk=payment_id).user)


def subscription_active_past_end():
    return SubscriptionFactory(ends_at=ago(days=2)).pk


def healthy_subscriptions():
    SubscriptionFactory()  # ends in 30 days
    SubscriptionFactory(ends_at=None)  # open-ended
    SubscriptionFactory(ends_at=ago(hours=1))  # within the renewal grace
    SubscriptionFactory(status=Subscription.Status.EXPIRED, ends_at=ago(days=5))


def expire_subscription(subscription_id):
    Subscription.objects.filter(pk=subscription_id).update(status=Subscription.Status.EXPIRED)


def premium_nobody_paid_for():
    return SubscriptionFactory().pk  # paid_through ahead, but no payment behind it


def paid_by_a_payment(subscription_id):
    subscription = Subscription.objects.get(pk=subscription_id)
    PaymentFactory(user=subscription.user, subscription=subscription, period_end=subscription.paid_through)


def healthy_premium():
    paid_by_a_payment(SubscriptionFactory().pk)
    # In the renewal grace: the last payment covers now minus the grace.
    in_grace = SubscriptionFactory(ends_at=ago(hours=30))
    paid_by_a_payment(in_grace.pk)
    SubscriptionFactory(status=Subscription.Status.TRIALING, paid_through=None, trial_end=ago(days=-7))
    SubscriptionFactory(ends_at=ago(days=4))  # no access any more: nothing to back
    refunded = SubscriptionFactory(paid_period_revoked=True)
    PaymentFactory(
        user=refunded.user,
        subscription=refunded,
        period_end=refunded.paid_through,
        status=Payment.Status.REFUNDED,
        refunded_cents=2000,
    )


def stale_intent():
    record = PaymentIntentRecordFactory()
    PaymentIntentRecord.objects.filter(pk=record.pk).update(created_at=ago(hours=25))
    return record.pk


def healthy_intents():
    PaymentIntentRecordFactory()  # just created
    old = PaymentIntentRecordFactory(status=PaymentIntentRecord.Status.EXPIRED)
    PaymentIntentRecord.objects.filter(pk=old.pk).update(created_at=ago(days=3))


def close_intent(record_id):
    PaymentIntentRecord.objects.filter(pk=record_id).update(status=PaymentIntentRecord.Status.EXPIRED)


def failed_webhook():
    return WebhookEventFactory(status=WebhookEvent.Status.FAILED, error_message="KeyError: 'customer'").pk


def healthy_webhooks():
    WebhookEventFactory()
    WebhookEventFactory(status=WebhookEvent.Status.IGNORED)


def reprocess_webhook(webhook_id):
    WebhookEvent.objects.filter(pk=webhook_id).update(status=WebhookEvent.Status.PROCESSED)


def silent_webhook():
    SubscriptionFactory()  # Stripe may still change it, and nothing arrived for two days
    return "stripe"


def healthy_silence():
    old = WebhookEventFactory()
    WebhookEvent.objects.filter(pk=old.pk).update(created_at=ago(hours=48))
    WebhookEventFactory(source=WebhookEvent.Source.RECONCILE)  # fetched by us, not delivered
    SubscriptionFactory(status=Subscription.Status.CANCELED, ended_at=ago(days=3))  # final: Stripe is done
    SubscriptionFactory(stripe_subscription_id=None)  # not Stripe's


def webhook_delivered(_):
    WebhookEventFactory()


def failed_outbox_event():
    return OutboxEventFactory(status=OutboxEvent.Status.FAILED, retry_count=5, error_message="boom").pk


def healthy_outbox():
    OutboxEventFactory()
    OutboxEventFactory(status=OutboxEvent.Status.COMPLETED)
    # Held by a live worker, and one whose lease expired only a moment ago (a worker reclaims it).
    OutboxEventFactory(status=OutboxEvent.Status.PROCESSING, locked_by="w1", locked_until=ago(seconds=-30))
    OutboxEventFactory(status=OutboxEvent.Status.PROCESSING, locked_by="w2", locked_until=ago(minutes=1))


def stuck_outbox_event():
    return OutboxEventFactory(status=OutboxEvent.Status.PROCESSING, locked_by="w9", locked_until=ago(minutes=20)).pk


def complete_event(event_id):
    OutboxEvent.objects.filter(pk=event_id).update(status=OutboxEvent.Status.COMPLETED, locked_until=None)


def resource_with_gap():
    resource = ResourceFactory()
    ResourceVersionFactory(resource=resource, version_number=1)
    ResourceVersionFactory(resource=resource, version_number=3)
    return resource.pk


def healthy_resources():
    resource = ResourceFactory()
    for number in (1, 2, 3):
        ResourceVersionFactory(resource=resource, version_number=number)
    ResourceFactory()  # no versions yet


def fill_gap(resource_id):
    ResourceVersionFactory(resource_id=resource_id, version_number=2)


CASES = [
    Case("completed_payment_without_subscription", payment_without_subscription, healthy_payments, give_subscription),
    Case("active_subscription_past_end", subscription_active_past_end, healthy_subscriptions, expire_subscription),
    Case("premium_without_paid_period", premium_nobody_paid_for, healthy_premium, paid_by_a_payment),
    Case("stale_payment_intent_record", stale_intent, healthy_intents, close_intent),
    Case("failed_webhook_event", failed_webhook, healthy_webhooks, reprocess_webhook),
    Case("webhook_silence", silent_webhook, healthy_silence, webhook_delivered),
    Case("failed_outbox_event", failed_outbox_event, healthy_outbox, complete_event),
    Case("stuck_outbox_event", stuck_outbox_event, healthy_outbox, complete_event),
    Case("resource_version_gap", resource_with_gap, healthy_resources, fill_gap),
]


def test_every_check_has_a_case():
    assert sorted(case.check for case in CASES) == sorted(CHECKS)


def open_issues(check: str) -> list[str]:
    return list(
        DataQualityIssue.objects.filter(check_name=check, resolved_at__isnull=True).values_list("object_id", flat=True)
    )


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.check)
def test_check_ignores_healthy_data(case):
    case.healthy()
    (result,) = run_checks([case.check])
    assert result.open_issues == 0
    assert not DataQualityIssue.objects.exists()


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.check)
def test_check_finds_the_broken_row_among_healthy_ones(case):
    case.healthy()
    broken_id = case.broken()
    (result,) = run_checks([case.check])
    assert open_issues(case.check) == [str(broken_id)]
    assert (result.open_issues, result.new_issues) == (1, 1)
    issue = DataQualityIssue.objects.get()
    assert issue.description and issue.object_type


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.check)
def test_a_second_run_keeps_one_open_issue_and_resolves_it_once_fixed(case):
    broken_id = case.broken()
    run_checks([case.check])
    (again,) = run_checks([case.check])
    assert (again.open_issues, again.new_issues) == (1, 0)
    assert DataQualityIssue.objects.count() == 1

    case.fix(broken_id)
    (fixed,) = run_checks([case.check])
    assert fixed.resolved_issues == 1
    issue = DataQualityIssue.objects.get()
    assert issue.resolved_at is not None and open_issues(case.check) == []


def test_a_problem_that_comes_back_opens_a_new_issue():
    webhook_id = failed_webhook()
    run_checks(["failed_webhook_event"])
    reprocess_webhook(webhook_id)
    run_checks(["failed_webhook_event"])
    WebhookEvent.objects.filter(pk=webhook_id).update(status=WebhookEvent.Status.FAILED)
    run_checks(["failed_webhook_event"])
    assert DataQualityIssue.objects.filter(object_id=str(webhook_id)).count() == 2
    assert open_issues("failed_webhook_event") == [str(webhook_id)]


def test_checks_change_no_business_data():
    payment_id = payment_without_subscription()
    stuck_id = stuck_outbox_event()
    failed_webhook()

    def business_rows():
        return [list(model.objects.values()) for model in (Payment, OutboxEvent, WebhookEvent)]

    before = business_rows()
    run_checks()
    assert business_rows() == before
    assert sorted(DataQualityIssue.objects.values_list("check_name", "object_id")) == sorted(
        [
            ("completed_payment_without_subscription", str(payment_id)),
            ("failed_webhook_event", str(WebhookEvent.objects.get().pk)),
            ("stuck_outbox_event", str(stuck_id)),
        ]
    )


def test_an_unknown_check_name_is_refused():
    with pytest.raises(ValueError, match="no_such_check"):
        run_checks(["no_such_check"])
