"""Billing endpoints: checkout, its confirmation, the Stripe webhook, subscription and payments."""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.responses import ok
from api.serializers.billing import (
    CheckoutConfirmationSerializer,
    CheckoutRequestSerializer,
    CheckoutSessionSerializer,
    ConfirmCheckoutRequestSerializer,
    PaymentsEnvelope,
    PaymentSerializer,
    PaymentsQuerySerializer,
    SubscriptionSerializer,
    WebhookReceivedSerializer,
)
from api.serializers.envelope import ErrorEnvelopeSerializer, ok_envelope
from api.serializers.paging import OffsetMetaSerializer
from api.views.common import refusal, validated
from application.dto.billing import (
    CancelSubscriptionCommand,
    ConfirmCheckoutCommand,
    CreateCheckoutSessionCommand,
    HandleStripeWebhookCommand,
)
from application.use_cases.cancel_subscription import cancel_subscription
from application.use_cases.confirm_checkout import confirm_checkout
from application.use_cases.create_checkout_session import create_checkout_session
from application.use_cases.handle_stripe_webhook import handle_stripe_webhook
from read_models.billing import get_subscription, list_payments

_ERRORS = {401: ErrorEnvelopeSerializer}
_UPSTREAM = {
    502: refusal("Stripe failed."),
    503: refusal("Stripe could not be reached in time, or `billing_not_configured` (details name the settings)."),
}


class CheckoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["billing"],
        summary="Start a Stripe Checkout session for a subscription",
        request=CheckoutRequestSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            200: ok_envelope("CheckoutSessionEnvelope", CheckoutSessionSerializer()),
            400: ErrorEnvelopeSerializer,
            409: refusal("already_subscribed"),
            **_ERRORS,
            **_UPSTREAM,
        },
    )
    def post(self, request):
        body = validated(CheckoutRequestSerializer, request.data)
        session = create_checkout_session(
            CreateCheckoutSessionCommand(
                user=request.user,
                idempotency_key=request.headers.get("Idempotency-Key", "")[:200],
                **body,
            )
        )
        return ok(CheckoutSessionSerializer(session).data)


class ConfirmCheckoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["billing"],
        summary="Confirm a completed checkout (the success page); fulfils it if the webhook has not yet",
        request=ConfirmCheckoutRequestSerializer,
        responses={
            200: ok_envelope("CheckoutConfirmationEnvelope", CheckoutConfirmationSerializer()),
            400: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
            409: refusal("checkout_incomplete"),
            **_ERRORS,
            **_UPSTREAM,
        },
    )
    def post(self, request):
        body = validated(ConfirmCheckoutRequestSerializer, request.data)
        confirmation = confirm_checkout(ConfirmCheckoutCommand(user=request.user, **body))
        return ok(CheckoutConfirmationSerializer(asdict(confirmation)).data)


class StripeWebhookView(APIView):
    """Stripe calls this: no session, no JWT, no CSRF; the raw body's signature is the authentication."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        tags=["billing"],
        summary="Stripe webhook endpoint (signed with Stripe-Signature)",
        request={"application/json": {"type": "object", "additionalProperties": True}},
        parameters=[OpenApiParameter("Stripe-Signature", str, OpenApiParameter.HEADER, required=True)],
        responses={
            200: WebhookReceivedSerializer,
            400: refusal("invalid_signature"),
            500: refusal("processing failed; Stripe redelivers"),
        },
    )
    def post(self, request):
        handle_stripe_webhook(
            HandleStripeWebhookCommand(payload=request.body, signature=request.headers.get("Stripe-Signature"))
        )
        return Response({"status": "received"})  # the contract's exact body, not the ok envelope


class SubscriptionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["billing"],
        summary="The user's plan and subscription state",
        responses={200: ok_envelope("SubscriptionEnvelope", SubscriptionSerializer()), **_ERRORS},
    )
    def get(self, request):
        return ok(SubscriptionSerializer(get_subscription(user=request.user)).data)


class CancelSubscriptionView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["billing"],
        summary="Cancel the subscription at the end of the paid period",
        request=None,
        responses={
            200: ok_envelope("CanceledSubscriptionEnvelope", SubscriptionSerializer()),
            404: refusal("no_active_subscription"),
            **_ERRORS,
            **_UPSTREAM,
        },
    )
    def post(self, request):
        state = cancel_subscription(CancelSubscriptionCommand(user=request.user))
        return ok(SubscriptionSerializer(state).data)


class PaymentsView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["billing"],
        summary="The user's payments, newest first",
        parameters=[PaymentsQuerySerializer],
        responses={200: PaymentsEnvelope, 400: ErrorEnvelopeSerializer, **_ERRORS},
    )
    def get(self, request):
        query = validated(PaymentsQuerySerializer, request.query_params)
        page = list_payments(user=request.user, **query)
        return ok(PaymentSerializer(page.items, many=True).data, meta=OffsetMetaSerializer(page.meta).data)
