"""The only module that talks to Stripe (and the only one that imports `stripe`).

Every function returns plain dicts, never SDK objects, and turns every Stripe failure into
an application error: a timeout or an unreachable Stripe is 503, any other Stripe failure
502, a missing object `NotFound`. `STRIPE_API_BASE` points the SDK at another server (tests
run the real SDK against a local Stripe-shaped HTTP server).
"""

import functools
import json
import logging
from typing import Any

import stripe
from django.conf import settings

from application.exceptions import IdempotencyConflict, NotFound, UpstreamUnavailable, ValidationFailed

logger = logging.getLogger(__name__)

# The shapes our code reads (invoice.parent.subscription_details, period on subscription items).
STRIPE_API_VERSION = "2026-07-29.dahlia"


class StripeUnreachable(UpstreamUnavailable):
    """Stripe did not answer in time or could not be reached."""

    http_status = 503
    default_message = "The payment provider could not be reached. Please try again."


class InvalidWebhookSignature(ValidationFailed):
    code = "invalid_signature"
    default_message = "The Stripe-Signature header is missing, invalid or too old."


class MalformedWebhookEvent(ValidationFailed):
    """Correctly signed, but not an event we could ever apply: redelivering it cannot help."""

    code = "malformed_event"
    default_message = "The body is not a Stripe event."


def _client() -> stripe.StripeClient:
    return _client_for(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        settings.STRIPE_TIMEOUT_SECONDS,
    )


@functools.lru_cache(maxsize=4)
def _client_for(
    secret_key: str, api_base: str, max_network_retries: int, timeout_seconds: float
) -> stripe.StripeClient:
    """One client per configuration, kept: its HTTP session (one per thread) keeps the connection
    to Stripe open, so a call does not pay a new TCP and TLS handshake. Settings that change (a
    key rotation, a test pointing at another server) get a client of their own."""
    return stripe.StripeClient(
        secret_key,
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=timeout_seconds),
    )


def _call(operation: str, function, *args, raw: bool = False, **kwargs) -> dict[str, Any]:
    """`raw`: `function` is `raw_request`; the JSON exactly as Stripe sent it (what a webhook body
    holds), never converted to SDK objects."""
    try:
        result = function(*args, **kwargs)
    except stripe.APIConnectionError as error:
        logger.warning("stripe unreachable", extra={"operation": operation, "error": str(error)})
        raise StripeUnreachable() from error
    except stripe.IdempotencyError as error:
        # The same Idempotency-Key was sent before with other parameters: the client's mistake.
        raise IdempotencyConflict() from error
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise NotFound() from error
        logger.error("stripe refused a request", extra={"operation": operation, "error": str(error)})
        raise UpstreamUnavailable() from error
    except stripe.StripeError as error:
        logger.error("stripe failed", extra={"operation": operation, "error": str(error)})
        raise UpstreamUnavailable() from error
    if raw:
        return json.loads(result.body)
    return result.to_dict()


def create_customer(*, email: str, user_id: str) -> dict[str, Any]:
    """Create the user's Stripe customer; the idempotency key makes a concurrent repeat return the same one."""
    client = _client()
    return _call(
        "customers.create",
        client.v1.customers.create,
        params={"email": email, "metadata": {"user_id": user_id}},
        options={"idempotency_key": f"customer-create-{user_id}"},
    )


def create_checkout_session(
    *,
    customer_id: str,
    price_id: str,
    success_url: str,
    cancel_url: str,
    user_id: str,
    idempotency_key: str,
) -> dict[str, Any]:
    client = _client()
    params = {
        "mode": "subscription",
        "customer": customer_id,
        "line_items": [{"price": price_id, "quantity": 1}],
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": user_id,
        "metadata": {"user_id": user_id},
        "subscription_data": {"metadata": {"user_id": user_id}},
    }
    return _call(
        "checkout.sessions.create",
        client.v1.checkout.sessions.create,
        params=params,
        options={"idempotency_key": idempotency_key},
    )


def retrieve_checkout_session(session_id: str) -> dict[str, Any]:
    """The session with its subscription expanded (an object, or None before completion)."""
    client = _client()
    return _call(
        "checkout.sessions.retrieve",
        client.v1.checkout.sessions.retrieve,
        session_id,
        params={"expand": ["subscription"]},
    )


def retrieve_subscription(subscription_id: str) -> dict[str, Any]:
    client = _client()
    return _call("subscriptions.retrieve", client.v1.subscriptions.retrieve, subscription_id)


def list_events(*, types: list[str], created_gte: int, page_size: int = 100) -> list[dict[str, Any]]:
    """Every event of these types created at or after `created_gte` (unix), oldest first.

    Stripe lists newest first; this pages through all of it with `starting_after` before
    returning, so a failure on any page raises before the caller has applied anything.
    """
    client = _client()
    params: dict[str, Any] = {"types": types, "created": {"gte": created_gte}, "limit": page_size}
    events: list[dict[str, Any]] = []
    while True:
        # Raw: building SDK objects of a hundred events only to throw them away costs more than the call.
        page = _call("events.list", client.raw_request, "get", "/v1/events", **params, raw=True)
        events.extend(page.get("data") or [])
        if not page.get("has_more") or not page.get("data"):
            break
        params["starting_after"] = page["data"][-1]["id"]
    events.reverse()
    return events


def cancel_subscription_at_period_end(subscription_id: str) -> dict[str, Any]:
    client = _client()
    return _call(
        "subscriptions.update",
        client.v1.subscriptions.update,
        subscription_id,
        params={"cancel_at_period_end": True},
        options={"idempotency_key": f"cancel-at-period-end-{subscription_id}"},
    )


def invoice_id_for_payment_intent(payment_intent_id: str) -> str | None:
    """Which invoice a payment intent paid (on this API version only InvoicePayment links them)."""
    client = _client()
    page = _call(
        "invoice_payments.list",
        client.v1.invoice_payments.list,
        params={"payment": {"type": "payment_intent", "payment_intent": payment_intent_id}, "limit": 1},
    )
    for invoice_payment in page.get("data") or []:
        invoice = invoice_payment.get("invoice")
        return invoice if isinstance(invoice, str) else (invoice or {}).get("id")
    return None


def verify_webhook(payload: bytes, signature_header: str | None) -> dict[str, Any]:
    """The event as a plain dict if the header signs `payload` within the tolerance.

    Raises InvalidWebhookSignature for a bad, missing or stale signature, and
    MalformedWebhookEvent for a signed body that is not an event object.
    """
    try:
        stripe.WebhookSignature.verify_header(
            payload,
            signature_header or "",
            settings.STRIPE_WEBHOOK_SECRET,
            tolerance=settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
    except stripe.SignatureVerificationError as error:
        raise InvalidWebhookSignature() from error
    except UnicodeDecodeError as error:  # the SDK decodes the body as UTF-8 before checking
        raise MalformedWebhookEvent() from error
    try:
        event = json.loads(payload)
    except (ValueError, RecursionError) as error:  # not JSON, not UTF-8, or nested past the stack
        raise MalformedWebhookEvent() from error
    if not _is_event(event):
        raise MalformedWebhookEvent()
    return event


def _is_event(event: Any) -> bool:
    """An object with string `id` and `type`, and `data.object` an object: what every handler reads."""
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        return False
    data = event.get("data")
    return bool(event["id"]) and isinstance(data, dict) and isinstance(data.get("object"), dict)
