from django.urls import path

from api.views.billing import (
    CancelSubscriptionView,
    CheckoutView,
    ConfirmCheckoutView,
    PaymentsView,
    StripeWebhookView,
    SubscriptionView,
)

urlpatterns = [
    path("billing/checkout/", CheckoutView.as_view(), name="billing-checkout"),
    path("billing/checkout/confirm/", ConfirmCheckoutView.as_view(), name="billing-checkout-confirm"),
    path("billing/webhook/", StripeWebhookView.as_view(), name="billing-webhook"),
    path("billing/subscription/", SubscriptionView.as_view(), name="billing-subscription"),
    path("billing/subscription/cancel/", CancelSubscriptionView.as_view(), name="billing-subscription-cancel"),
    path("billing/payments/", PaymentsView.as_view(), name="billing-payments"),
]
