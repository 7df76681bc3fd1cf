"""Subscriptions, payments and the records that tie them to Stripe."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.immutability import ImmutableFieldsMixin, ImmutableFieldsQuerySet
from core.models import BaseModel

# Dispute endings that leave the money with us: won, or an inquiry closed without a chargeback.
DISPUTE_RESOLVED_FOR_US = ("won", "warning_closed")


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
        """Subscriptions that open premium content at `now`: the rule of `monetization.access`."""
        from monetization.access import premium_filter  # the rule lives there, beside its Python twin

        return self.filter(premium_filter(now or timezone.now()))


class Subscription(BaseModel):
    class Plan(models.TextChoices):
        FREE = "FREE"
        PREMIUM = "PREMIUM"

    class Status(models.TextChoices):
        """Stripe's eight statuses, one each, and EXPIRED: our clock saw the paid period lapse."""

        ACTIVE = "ACTIVE"
        TRIALING = "TRIALING"
        PAST_DUE = "PAST_DUE"
        CANCELED = "CANCELED"
        UNPAID = "UNPAID"
        INCOMPLETE = "INCOMPLETE"
        INCOMPLETE_EXPIRED = "INCOMPLETE_EXPIRED"
        PAUSED = "PAUSED"
        EXPIRED = "EXPIRED"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions")
    plan = models.CharField(max_length=10, choices=Plan.choices, default=Plan.FREE)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField()
    # The period Stripe reports (items.data[0].current_period_*), for display only: Stripe moves
    # it at every renewal, paid or not. Access follows `paid_through`.
    current_period_start = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # The latest period end a paid invoice line covered; moved only by payments, never backwards.
    paid_through = models.DateTimeField(null=True, blank=True)
    # The payment that paid `paid_through` was refunded in full or is disputed (open or lost).
    paid_period_revoked = models.BooleanField(default=False)
    trial_end = models.DateTimeField(null=True, blank=True)
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
    # `save` checks the move from the status the row was loaded with.
    remembered_fields = ("status",)

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
    # End of the period this payment paid for (its invoice's subscription line).
    period_end = models.DateTimeField(null=True, blank=True)
    # What Stripe refunded of `amount_cents` so far (the charge's cumulative `amount_refunded`).
    refunded_cents = models.PositiveIntegerField(default=0)
    # Stripe's status of the dispute on the charge ("" when none): warning_needs_response, won, lost, ...
    dispute_status = models.CharField(max_length=30, blank=True, default="")

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

    @property
    def dispute_open_or_lost(self) -> bool:
        return bool(self.dispute_status) and self.dispute_status not in DISPUTE_RESOLVED_FOR_US

    @property
    def in_good_standing(self) -> bool:
        """Paid, not refunded in full, and not taken back by a dispute: it still pays its period."""
        return (
            self.status == self.Status.COMPLETED
            and self.refunded_cents < self.amount_cents
            and not self.dispute_open_or_lost
        )

    def transition_to(self, new_status: str) -> None:
        """Move to `new_status` in memory; the caller saves. Same-status moves are no-ops."""
        if new_status == self.status:
            return
        if new_status not in self.TRANSITIONS[self.Status(self.status)]:
            raise IllegalTransitionError(f"Payment cannot go from {self.status} to {new_status}")
        self.status = new_status

    def save(self, *args, **kwargs):
        if not self._state.adding and self.pk is not None:
            stored_status = self.stored_values("status").get("status")
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

    class Source(models.TextChoices):
        WEBHOOK = "webhook"
        RECONCILE = "reconcile"  # fetched from Stripe's event list by `manage.py reconcile_stripe`

    stripe_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=100, db_index=True)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    processed_at = models.DateTimeField(null=True, blank=True)
    error_message = models.TextField(blank=True, default="")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEBHOOK)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.stripe_id} {self.event_type} {self.status}"


class ReconcileLock(models.Model):
    """A row while a Stripe reconciliation runs: SQLite's stand-in for the PostgreSQL advisory lock."""

    name = models.CharField(max_length=50, primary_key=True)
    acquired_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} since {self.acquired_at.isoformat()}"


class ParkedChargeEvent(BaseModel):
    """A refund or dispute whose payment we have not recorded yet; applied when it is."""

    stripe_event_id = models.CharField(max_length=255, unique=True)
    event_type = models.CharField(max_length=100)
    event_created = models.DateTimeField()
    stripe_charge_id = models.CharField(max_length=255, blank=True, default="")
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    stripe_invoice_id = models.CharField(max_length=255, blank=True, default="", db_index=True)
    payload = models.JSONField()
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event_created", "created_at"]

    def __str__(self) -> str:
        return f"{self.stripe_event_id} {self.event_type} {'applied' if self.applied_at else 'parked'}"
