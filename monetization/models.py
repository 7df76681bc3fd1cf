"""Subscriptions, payments and the records that tie them to Stripe."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.immutability import ImmutableFieldsMixin, ImmutableFieldsQuerySet
from core.models import BaseModel


class IllegalTransitionError(Exception):
    """Raised when a payment would move between statuses that do not follow each other."""


class StripeCustomer(BaseModel):
    """The user's Stripe customer, created once and reused by every checkout."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_customer")
    stripe_customer_id = models.CharField(max_length=255, unique=True)

    def __str__(self) -> str:
        return self.stripe_customer_id


class SubscriptionQuerySet(models.QuerySet):
    def granting_premium(self, now=None):
        """Subscriptions that open premium content at `now`.

        ACTIVE (open-ended or before `ends_at`); PAST_DUE only within the paid period, a grace
        while Stripe retries the card; CANCELED keeps access until `ends_at`.
        """
        now = now or timezone.now()
        open_ended = models.Q(status=Subscription.Status.ACTIVE, ends_at__isnull=True)
        paid_period = models.Q(
            status__in=[Subscription.Status.ACTIVE, Subscription.Status.PAST_DUE, Subscription.Status.CANCELED],
            ends_at__gt=now,
        )
        return self.filter(open_ended | paid_period, plan=Subscription.Plan.PREMIUM)


class Subscription(BaseModel):
    class Plan(models.TextChoices):
        FREE = "FREE"
        PREMIUM = "PREMIUM"

    class Status(models.TextChoices):
        ACTIVE = "ACTIVE"
        PAST_DUE = "PAST_DUE"
        CANCELED = "CANCELED"
        EXPIRED = "EXPIRED"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.CharField(max_length=10, choices=Plan.choices, default=Plan.FREE)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField()
    # The paid period Stripe reports (items.data[0].current_period_*); `ends_at` is its end.
    current_period_start = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    stripe_subscription_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True, default="")
    stripe_price_id = models.CharField(max_length=255, blank=True, default="")
    # `created` of the newest Stripe event applied: an older event never overwrites newer state.
    last_stripe_event_created = models.DateTimeField(null=True, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "plan", "status"], name="subscription_access_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.plan} {self.status}"


class Payment(ImmutableFieldsMixin, BaseModel):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        COMPLETED = "COMPLETED"
        FAILED = "FAILED"
        REFUNDED = "REFUNDED"

    # Only these moves are legal; anything else is a bug or a replayed stale event.
    TRANSITIONS = {
        Status.PENDING: {Status.COMPLETED, Status.FAILED},
        Status.FAILED: {Status.COMPLETED},
        Status.COMPLETED: {Status.REFUNDED},
        Status.REFUNDED: set(),
    }
    immutable_fields = ("amount_cents", "currency", "provider_reference", "user_id")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments")
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="payments"
    )
    amount_cents = models.PositiveIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    provider_reference = models.CharField(max_length=255, unique=True)
    stripe_invoice_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    stripe_charge_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)

    objects = ImmutableFieldsQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One payment per Stripe invoice, whichever event or call records it first.
            models.UniqueConstraint(
                fields=["stripe_invoice_id"], condition=~models.Q(stripe_invoice_id=""), name="payment_one_per_invoice"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_reference} {self.amount_cents} {self.currency} {self.status}"

    def transition_to(self, new_status: str) -> None:
        """Move to `new_status` in memory; the caller saves. Same-status moves are no-ops."""
        if new_status == self.status:
            return
        if new_status not in self.TRANSITIONS[self.Status(self.status)]:
            raise IllegalTransitionError(f"Payment cannot go from {self.status} to {new_status}")
        self.status = new_status

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored_status = type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
            legal = (
                stored_status is None
                or stored_status == self.status
                or (self.status in self.TRANSITIONS[self.Status(stored_status)])
            )
            if not legal:
                raise IllegalTransitionError(f"Payment cannot go from {stored_status} to {self.status}")
        super().save(*args, **kwargs)


class PaymentIntentRecord(BaseModel):
    class Status(models.TextChoices):
        CREATED = "CREATED"
        COMPLETED = "COMPLETED"
        EXPIRED = "EXPIRED"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payment_intents")
    stripe_session_id = models.CharField(max_length=255, unique=True)
    stripe_price_id = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CREATED)
    metadata = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.stripe_session_id} {self.status}"


class WebhookEvent(BaseModel):
    class Status(models.TextChoices):
        PENDING = "PENDING"
        PROCESSED = "PROCESSED"
        FAILED = "FAILED"
        IGNORED = "IGNORED"

    stripe_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    processed_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.event_type} {self.status}"
