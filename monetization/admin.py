"""Billing in the admin: money and Stripe deliveries are read-only; FAILED deliveries can be reprocessed."""

from django.contrib import admin, messages

# The admin is an entry point like a view: it may call the use case (see .importlinter).
from application.exceptions import ApplicationError
from application.use_cases.handle_stripe_webhook import process_event
from application.use_cases.reconcile_stripe import reconcile_subscription
from audit.admin import ReadOnlyAdmin
from audit.models import AuditLog
from core.admin_audit import AuditedModelAdmin, audit_admin_action
from monetization.models import (
    ParkedChargeEvent,
    Payment,
    PaymentIntentRecord,
    StripeCustomer,
    Subscription,
    WebhookEvent,
)


def _audit_status_after(request, instance, *, before: dict, **after) -> None:
    """Audit an admin action by the status the use case left `instance` in, read back from the database."""
    instance.refresh_from_db(fields=["status"])
    audit_admin_action(
        request,
        instance=instance,
        action=AuditLog.Action.UPDATE,
        before=before,
        after={"status": instance.status, **after},
    )


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["stripe_id", "event_type", "status", "source", "created_at", "processed_at"]
    list_filter = ["status", "source", "event_type"]
    search_fields = ["stripe_id", "event_type"]
    readonly_fields = [
        "stripe_id",
        "event_type",
        "status",
        "source",
        "payload",
        "error_message",
        "processed_at",
        "created_at",
    ]
    actions = ["reprocess_failed_events"]

    @admin.action(description="Reprocess selected FAILED events")
    def reprocess_failed_events(self, request, queryset):
        done, failed = 0, 0
        for event in queryset.filter(status=WebhookEvent.Status.FAILED):
            try:
                process_event(event.payload)
            except ApplicationError:
                failed += 1
            else:
                done += 1
            _audit_status_after(request, event, before={"status": WebhookEvent.Status.FAILED, "reprocessed": True})
        level = messages.WARNING if failed else messages.SUCCESS
        self.message_user(request, f"Reprocessed {done} event(s); {failed} failed again.", level)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "provider_reference",
        "user",
        "amount_cents",
        "refunded_cents",
        "currency",
        "status",
        "dispute_status",
        "period_end",
        "created_at",
    ]
    list_filter = ["status", "currency", "dispute_status"]
    search_fields = ["provider_reference", "stripe_invoice_id", "stripe_payment_intent_id", "stripe_charge_id"]
    list_select_related = ["user"]


@admin.register(Subscription)
class SubscriptionAdmin(AuditedModelAdmin):
    list_display = [
        "user",
        "plan",
        "status",
        "paid_through",
        "ends_at",
        "cancel_at_period_end",
        "stripe_subscription_id",
    ]
    list_filter = ["plan", "status"]
    search_fields = ["stripe_subscription_id", "stripe_customer_id", "user__email"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]
    actions = ["reconcile_with_stripe"]

    @admin.action(description="Reconcile selected subscriptions with Stripe now")
    def reconcile_with_stripe(self, request, queryset):
        repaired, unchanged, failed = 0, 0, 0
        for subscription in queryset.exclude(stripe_subscription_id=""):
            before = {"status": subscription.status, "reconciled": True}
            try:
                changed = reconcile_subscription(subscription.stripe_subscription_id)
            except ApplicationError:
                failed += 1
                continue
            if changed:
                repaired += 1
            else:
                unchanged += 1
            _audit_status_after(request, subscription, before=before, repaired=changed)
        level = messages.WARNING if failed else messages.SUCCESS
        self.message_user(
            request, f"Repaired {repaired}, already in step {unchanged}, Stripe unreachable for {failed}.", level
        )


@admin.register(PaymentIntentRecord)
class PaymentIntentRecordAdmin(ReadOnlyAdmin):
    list_display = ["stripe_session_id", "user", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["stripe_session_id", "user__email"]
    list_select_related = ["user"]


@admin.register(StripeCustomer)
class StripeCustomerAdmin(ReadOnlyAdmin):
    list_display = ["stripe_customer_id", "user", "created_at"]
    search_fields = ["stripe_customer_id", "user__email"]
    list_select_related = ["user"]


@admin.register(ParkedChargeEvent)
class ParkedChargeEventAdmin(ReadOnlyAdmin):
    list_display = ["stripe_event_id", "event_type", "stripe_invoice_id", "event_created", "applied_at"]
    list_filter = ["event_type"]
    search_fields = ["stripe_event_id", "stripe_invoice_id", "stripe_payment_intent_id", "stripe_charge_id"]
