"""POST /api/billing/checkout/: a Stripe Checkout session for an allowed price, back to allowed URLs."""

import hashlib
import time
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from application.adapters import stripe_service
from application.dto.billing import CheckoutSession, CreateCheckoutSessionCommand
from application.exceptions import AlreadySubscribed, BillingNotConfigured, ValidationFailed
from application.policies.subscription_policy import has_active_subscription
from monetization.services import checkout, customers

# Without any of these a purchase cannot start, or cannot be fulfilled by its webhook.
REQUIRED_SETTINGS = ("STRIPE_SECRET_KEY", "STRIPE_PRICE_IDS", "STRIPE_WEBHOOK_SECRET")
# Stripe keeps a Checkout session open for 24 h; a repeated click within this window reuses it.
SESSION_REUSE_WINDOW = timedelta(hours=1)


def create_checkout_session(command: CreateCheckoutSessionCommand) -> CheckoutSession:
    BillingNotConfigured.unless_set(settings, *REQUIRED_SETTINGS)
    _check_price(command.price_id)
    _check_redirects(success_url=command.success_url, cancel_url=command.cancel_url)
    user = command.user
    if has_active_subscription(user):
        raise AlreadySubscribed()
    reusable = checkout.open_checkout_session(
        user=user,
        price_id=command.price_id,
        success_url=command.success_url,
        cancel_url=command.cancel_url,
        younger_than=SESSION_REUSE_WINDOW,
    )
    if reusable is not None:
        return CheckoutSession(session_id=reusable["id"], url=reusable["url"])
    customer_id = customers.stripe_customer_id_for(user)
    if customer_id is None:
        customer = stripe_service.create_customer(email=user.email, user_id=str(user.pk))
        with transaction.atomic():
            customer_id = customers.remember_stripe_customer(user=user, stripe_customer_id=customer["id"])
    # A client that repeats its request with the same Idempotency-Key gets the same session back;
    # without one, two clicks in flight at once share a key derived from the purchase itself.
    key = f"checkout-{user.pk}-{command.idempotency_key or _purchase_key(command)}"
    session = stripe_service.create_checkout_session(
        customer_id=customer_id,
        price_id=command.price_id,
        success_url=command.success_url,
        cancel_url=command.cancel_url,
        user_id=str(user.pk),
        idempotency_key=key,
    )
    with transaction.atomic():
        checkout.record_checkout_session(
            user=user,
            session_id=session["id"],
            price_id=command.price_id,
            metadata={
                "customer": customer_id,
                "success_url": command.success_url,
                "cancel_url": command.cancel_url,
                "url": session["url"],
            },
        )
    return CheckoutSession(session_id=session["id"], url=session["url"])


def _purchase_key(command: CreateCheckoutSessionCommand) -> str:
    """Same user, price and return URLs within the same reuse window: the same key."""
    window = int(time.time() // SESSION_REUSE_WINDOW.total_seconds())
    purchase = f"{command.price_id}|{command.success_url}|{command.cancel_url}|{window}"
    return hashlib.sha256(purchase.encode()).hexdigest()[:32]


def _check_price(price_id: str) -> None:
    if price_id not in settings.STRIPE_PRICE_IDS:
        raise ValidationFailed(details={"price_id": ["This price cannot be purchased."]})


def allowed_origins() -> set[tuple[str, str]]:
    """(scheme, host:port) of FRONTEND_URL and each CORS origin: the only places checkout may return to."""
    origins = {_origin(settings.FRONTEND_URL)}
    origins.update(_origin(origin) for origin in settings.CORS_ALLOWED_ORIGINS)
    return {origin for origin in origins if origin is not None}


def _origin(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    default_port = 443 if parts.scheme == "https" else 80
    return parts.scheme, f"{parts.hostname.lower()}:{port or default_port}"


def _check_redirects(**urls: str) -> None:
    allowed = allowed_origins()
    errors = {
        name: ["This URL is not on an allowed host."] for name, url in urls.items() if _origin(url) not in allowed
    }
    if errors:
        raise ValidationFailed(details=errors)
