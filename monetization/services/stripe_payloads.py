"""Reading Stripe objects of API version 2026-07-29.dahlia: where each fact lives."""

import datetime
from typing import Any


def from_unix(value: int | None) -> datetime.datetime | None:
    """Stripe's unix seconds as an aware UTC datetime (`datetime.timezone.utc`, never the local zone)."""
    if value is None:
        return None
    return datetime.datetime.fromtimestamp(int(value), tz=datetime.UTC)


def object_id(value: Any) -> str | None:
    """An expandable field: the id whether Stripe sent the id or the expanded object."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return value.get("id")


def first_item(subscription: dict) -> dict:
    items = (subscription.get("items") or {}).get("data") or []
    return items[0] if items else {}


def subscription_period(subscription: dict) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """On this API version the billing period lives on the subscription's items."""
    item = first_item(subscription)
    return from_unix(item.get("current_period_start")), from_unix(item.get("current_period_end"))


def subscription_price_id(subscription: dict) -> str:
    return object_id(first_item(subscription).get("price")) or ""


def invoice_subscription_id(invoice: dict) -> str | None:
    """`parent.subscription_details.subscription`, else the first subscription line item."""
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    if details.get("subscription"):
        return object_id(details["subscription"])
    for line in (invoice.get("lines") or {}).get("data") or []:
        line_details = (line.get("parent") or {}).get("subscription_item_details") or {}
        if line_details.get("subscription"):
            return object_id(line_details["subscription"])
    return None


def invoice_period_end(invoice: dict) -> datetime.datetime | None:
    """End of the period the invoice pays for: its subscription line's period (not `period_end`,
    which on a renewal invoice is the end of the previous period)."""
    ends = [
        (line.get("period") or {}).get("end")
        for line in (invoice.get("lines") or {}).get("data") or []
        if (line.get("parent") or {}).get("type") == "subscription_item_details"
    ]
    ends = [end for end in ends if end]
    return from_unix(max(ends)) if ends else None


def invoice_payment_intent_id(invoice: dict) -> str | None:
    """The paying payment intent when the payload carries `payments` (often left out)."""
    for invoice_payment in (invoice.get("payments") or {}).get("data") or []:
        payment = invoice_payment.get("payment") or {}
        if payment.get("type") == "payment_intent" and invoice_payment.get("status") in (None, "paid"):
            return object_id(payment.get("payment_intent"))
    return None


def session_user_id(session: dict) -> str | None:
    """The user our checkout named, in `client_reference_id` or `metadata.user_id`."""
    return session.get("client_reference_id") or (session.get("metadata") or {}).get("user_id")
