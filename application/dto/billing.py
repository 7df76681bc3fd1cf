"""Commands and results of the billing use cases."""

from dataclasses import dataclass, field

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


@dataclass(frozen=True, kw_only=True)
class ReconcileStripeCommand:
    since_hours: int = 72
    dry_run: bool = False
    page_size: int = 100


@dataclass(kw_only=True)
class ReconcileReport:
    locked_out: bool = False  # another run held the lock; this one did nothing
    events_fetched: int = 0
    events_new: int = 0
    events_failed: int = 0
    subscriptions_checked: int = 0
    subscriptions_repaired: int = 0
    subscriptions_failed: int = 0
    error: str = ""  # why the run stopped early (Stripe unreachable while listing)
    would_apply: list[str] = field(default_factory=list)  # --dry-run: what a real run would do

    @property
    def ok(self) -> bool:
        return not (self.locked_out or self.error or self.events_failed or self.subscriptions_failed)
