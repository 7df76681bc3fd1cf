"""Billing request and response bodies (responses wrapped in the envelope for the schema)."""

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

from api.serializers.paging import OffsetMetaSerializer, PageQuerySerializer
from api.serializers.strict import StrictInputSerializer


class CheckoutRequestSerializer(StrictInputSerializer):
    price_id = serializers.CharField(max_length=255)
    success_url = serializers.URLField(max_length=2000)
    cancel_url = serializers.URLField(max_length=2000)


class CheckoutSessionSerializer(serializers.Serializer):
    sessionId = serializers.CharField(source="session_id")
    url = serializers.URLField()


class ConfirmCheckoutRequestSerializer(StrictInputSerializer):
    session_id = serializers.CharField(max_length=255)


# Stripe's eight statuses and EXPIRED (our clock saw the paid period lapse); docs/billing.md.
SUBSCRIPTION_STATUSES = [
    "ACTIVE",
    "TRIALING",
    "PAST_DUE",
    "CANCELED",
    "UNPAID",
    "INCOMPLETE",
    "INCOMPLETE_EXPIRED",
    "PAUSED",
    "EXPIRED",
]


class SubscriptionSerializer(serializers.Serializer):
    plan = serializers.ChoiceField(choices=["FREE", "PREMIUM"])
    status = serializers.ChoiceField(choices=SUBSCRIPTION_STATUSES, allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True, help_text="End of Stripe's current period (display).")
    cancel_at_period_end = serializers.BooleanField()
    access_until = serializers.DateTimeField(
        allow_null=True, help_text="Premium is open until this moment (exclusive); null when it is not open."
    )
    has_premium = serializers.BooleanField(help_text="Premium is open now: the server's rule, not to re-derive.")


class CheckoutConfirmationSerializer(serializers.Serializer):
    subscription = SubscriptionSerializer()


class PaymentSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    amount_cents = serializers.IntegerField(min_value=0)
    currency = serializers.CharField(min_length=3, max_length=3)
    status = serializers.ChoiceField(choices=["PENDING", "COMPLETED", "FAILED", "REFUNDED"])
    created_at = serializers.DateTimeField()


class PaymentsQuerySerializer(PageQuerySerializer):
    pass


class WebhookReceivedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["received"])


PaymentsEnvelope = inline_serializer(
    "PaymentsEnvelope",
    {
        "status": serializers.ChoiceField(choices=["ok"]),
        "data": PaymentSerializer(many=True),
        "meta": OffsetMetaSerializer(),
    },
)
