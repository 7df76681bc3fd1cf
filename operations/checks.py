"""Read-only data-quality checks behind `manage.py run_checks`.

Each check is a query for rows that break an invariant. `run_checks` records one open
DataQualityIssue per broken row and resolves (sets `resolved_at` on) the open issues whose row
is healthy again. Checks never change business data: the only writes are DataQualityIssue rows.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, Model, OuterRef, Q
from django.utils import timezone

from core.models import DataQualityIssue, OutboxEvent
from monetization.access import renewal_grace, unpaid_trial_filter
from monetization.models import DISPUTE_RESOLVED_FOR_US, Payment, PaymentIntentRecord, Subscription, WebhookEvent
from resources.models import ResourceVersion

# Stripe finalises a renewal invoice about an hour after the period ends; allow for that and
# for webhook delivery before calling an ACTIVE subscription past its end a problem.
RENEWAL_GRACE = timedelta(hours=3)
# Stripe Checkout sessions expire after 24 h at most; a CREATED record older than that missed
# its checkout.session.completed or .expired webhook.
CHECKOUT_SESSION_LIFETIME = timedelta(hours=24)
# A worker renews nothing once it has died; its lease expiring this long ago means no worker
# has reclaimed the event.
OUTBOX_STUCK_AFTER = timedelta(minutes=15)


@dataclass(frozen=True, kw_only=True)
class Finding:
    object_type: str
    object_id: str
    description: str


@dataclass(frozen=True, kw_only=True)
class CheckResult:
    check_name: str
    open_issues: int
    new_issues: int
    resolved_issues: int


def _row_finding(row: Model, description: str) -> Finding:
    """A finding about one model row, named by its model and primary key."""
    return Finding(object_type=row._meta.object_name, object_id=str(row.pk), description=description)


def completed_payment_without_subscription() -> Iterable[Finding]:
    """A completed payment must have produced a premium subscription, now active or ended."""
    premium = Subscription.objects.filter(user_id=OuterRef("user_id"), plan=Subscription.Plan.PREMIUM)
    broken = Payment.objects.filter(status=Payment.Status.COMPLETED).exclude(Exists(premium))
    for payment in broken.only("id", "user_id", "provider_reference", "amount_cents", "currency"):
        yield _row_finding(
            payment,
            f"Payment {payment.provider_reference} ({payment.amount_cents} {payment.currency}) is COMPLETED "
            f"but user {payment.user_id} has no premium subscription.",
        )


def active_subscription_past_end() -> Iterable[Finding]:
    cutoff = timezone.now() - RENEWAL_GRACE
    broken = Subscription.objects.filter(status=Subscription.Status.ACTIVE, ends_at__lt=cutoff)
    for subscription in broken.only("id", "user_id", "ends_at", "stripe_subscription_id"):
        yield _row_finding(
            subscription,
            f"Subscription {subscription.stripe_subscription_id or subscription.pk} of user "
            f"{subscription.user_id} is ACTIVE but ended at {subscription.ends_at.isoformat()}: "
            "a renewal or cancellation webhook was missed.",
        )


def premium_without_paid_period() -> Iterable[Finding]:
    """Every row the access rule opens must rest on a payment in good standing that covers now (minus
    the grace), or on a running trial with nothing paid: else access was granted that nobody paid for."""
    now = timezone.now()
    paying = Payment.objects.filter(
        subscription_id=OuterRef("pk"),
        status=Payment.Status.COMPLETED,
        refunded_cents__lt=F("amount_cents"),
        period_end__gt=now - renewal_grace(),
    ).filter(Q(dispute_status="") | Q(dispute_status__in=DISPUTE_RESOLVED_FOR_US))
    broken = Subscription.objects.granting_premium(now).exclude(unpaid_trial_filter(now)).exclude(Exists(paying))
    for subscription in broken.only("id", "user_id", "status", "paid_through", "stripe_subscription_id"):
        paid_through = subscription.paid_through.isoformat() if subscription.paid_through else "never"
        yield _row_finding(
            subscription,
            f"Subscription {subscription.stripe_subscription_id or subscription.pk} of user "
            f"{subscription.user_id} ({subscription.status}) grants premium, but no payment in good standing "
            f"covers now (paid through {paid_through}).",
        )


def stale_payment_intent_record() -> Iterable[Finding]:
    cutoff = timezone.now() - CHECKOUT_SESSION_LIFETIME
    broken = PaymentIntentRecord.objects.filter(status=PaymentIntentRecord.Status.CREATED, created_at__lt=cutoff)
    for record in broken.only("id", "stripe_session_id", "created_at"):
        yield _row_finding(
            record,
            f"Checkout session {record.stripe_session_id} is still CREATED since "
            f"{record.created_at.isoformat()}: neither completed nor expired.",
        )


def failed_webhook_event() -> Iterable[Finding]:
    broken = WebhookEvent.objects.filter(status=WebhookEvent.Status.FAILED)
    for webhook in broken.only("id", "stripe_id", "event_type", "error_message"):
        yield _row_finding(
            webhook,
            f"Stripe event {webhook.stripe_id} ({webhook.event_type}) FAILED: {webhook.error_message[:500]}",
        )


def webhook_silence() -> Iterable[Finding]:
    """Subscriptions Stripe may still change, but no webhook delivery for STRIPE_WEBHOOK_SILENCE_HOURS.

    Signature failures store nothing, so a wrongly rotated secret shows here too. Rows that
    `reconcile_stripe` stored do not count: they are what the silence missed.
    """
    hours = settings.STRIPE_WEBHOOK_SILENCE_HOURS
    waiting = Subscription.objects.filter(stripe_subscription_id__isnull=False).exclude(
        status=Subscription.Status.CANCELED, ended_at__isnull=False
    )
    if not hours or not waiting.exists():
        return
    last = WebhookEvent.objects.filter(source=WebhookEvent.Source.WEBHOOK).aggregate(last=Max("created_at"))["last"]
    if last is not None and last >= timezone.now() - timedelta(hours=hours):
        return
    since = f"since {last.isoformat()}" if last else "ever"
    yield Finding(
        object_type="StripeWebhookEndpoint",
        object_id="stripe",
        description=(
            f"No Stripe webhook delivery {since} (over {hours} h) while subscriptions are still open: "
            "check the endpoint and its signing secret, then run `manage.py reconcile_stripe`."
        ),
    )


def failed_outbox_event() -> Iterable[Finding]:
    broken = OutboxEvent.objects.filter(status=OutboxEvent.Status.FAILED)
    for event in broken.only("id", "event_type", "retry_count", "error_message"):
        yield _row_finding(
            event,
            f"Outbox event {event.event_type} FAILED after {event.retry_count} tries: {event.error_message[:500]}",
        )


def stuck_outbox_event() -> Iterable[Finding]:
    cutoff = timezone.now() - OUTBOX_STUCK_AFTER
    lease_long_expired = Q(locked_until__lt=cutoff) | Q(locked_until__isnull=True, updated_at__lt=cutoff)
    broken = OutboxEvent.objects.filter(lease_long_expired, status=OutboxEvent.Status.PROCESSING)
    for event in broken.only("id", "event_type", "locked_by", "locked_until"):
        yield _row_finding(
            event,
            f"Outbox event {event.event_type} is PROCESSING by {event.locked_by or 'no worker'} with a lease "
            f"that expired at {event.locked_until.isoformat() if event.locked_until else 'unknown'}.",
        )


def resource_version_gap() -> Iterable[Finding]:
    """Version numbers of a resource must run 1, 2, …, n without a hole."""
    per_resource = (
        ResourceVersion.objects.values("resource_id")
        .annotate(count=Count("pk"), lowest=Min("version_number"), highest=Max("version_number"))
        .filter(~Q(lowest=1) | ~Q(highest=F("count")))
        .order_by()
    )
    for row in per_resource:
        yield Finding(
            object_type="Resource",
            object_id=str(row["resource_id"]),
            description=(
                f"Resource {row['resource_id']} has {row['count']} versions numbered "
                f"{row['lowest']}..{row['highest']}: the numbers have a gap."
            ),
        )


CHECKS: dict[str, Callable[[], Iterable[Finding]]] = {
    "completed_payment_without_subscription": completed_payment_without_subscription,
    "active_subscription_past_end": active_subscription_past_end,
    "premium_without_paid_period": premium_without_paid_period,
    "stale_payment_intent_record": stale_payment_intent_record,
    "failed_webhook_event": failed_webhook_event,
    "webhook_silence": webhook_silence,
    "failed_outbox_event": failed_outbox_event,
    "stuck_outbox_event": stuck_outbox_event,
    "resource_version_gap": resource_version_gap,
}


def run_checks(names: Iterable[str] | None = None) -> list[CheckResult]:
    """Run the named checks (all by default) and bring DataQualityIssue rows in line."""
    selected = list(CHECKS) if names is None else list(names)
    unknown = sorted(set(selected) - set(CHECKS))
    if unknown:
        raise ValueError(f"Unknown checks: {', '.join(unknown)}")
    return [_record(name, list(CHECKS[name]())) for name in selected]


def open_issue_count() -> int:
    return DataQualityIssue.objects.filter(resolved_at__isnull=True).count()


def _record(check_name: str, findings: list[Finding]) -> CheckResult:
    found = {finding.object_id: finding for finding in findings}
    with transaction.atomic():
        open_issues = DataQualityIssue.objects.select_for_update().filter(
            check_name=check_name, resolved_at__isnull=True
        )
        already_open = {issue.object_id: issue for issue in open_issues}
        healed = [issue.pk for object_id, issue in already_open.items() if object_id not in found]
        now = timezone.now()
        resolved = DataQualityIssue.objects.filter(pk__in=healed).update(resolved_at=now, updated_at=now)
        new = [
            DataQualityIssue(
                check_name=check_name,
                object_type=finding.object_type,
                object_id=finding.object_id,
                description=finding.description,
            )
            for object_id, finding in found.items()
            if object_id not in already_open
        ]
        # A concurrent run may have opened the same issue: the partial unique index keeps one.
        DataQualityIssue.objects.bulk_create(new, ignore_conflicts=True)
    return CheckResult(check_name=check_name, open_issues=len(found), new_issues=len(new), resolved_issues=resolved)
