"""Commands and results of the billing use cases."""

from dataclasses import dataclass

from monetization.summaries import SubscriptionSummary


@dataclass(frozen=True, kw_only=True)
class CreateCheckoutSessionCommand:
    user: object
    price_id: str
    success_url: str
    cancel_url: str
    idempotency_key: str = ""


@dataclass(frozen=True, kw_only=True)
class ConfirmCheckoutCommand:
    user: object
    session_id: str


@dataclass(frozen=True, kw_only=True)
class HandleStripeWebhookCommand:
    payload: bytes
    signature: str | None


@dataclass(frozen=True, kw_only=True)
class CancelSubscriptionCommand:
    user: object


@dataclass(frozen=True, kw_only=True)
class CheckoutSession:
    session_id: str
    url: str


@dataclass(frozen=True, kw_only=True)
class CheckoutConfirmation:
    subscription: SubscriptionSummary


@dataclass(frozen=True, kw_only=True)
class WebhookReceipt:
    status: str  # the WebhookEvent status after this delivery
    duplicate: bool
