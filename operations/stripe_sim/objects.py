"""Stripe objects shaped as Stripe shapes them on API version 2026-07-29.dahlia.

The templates are Stripe's own example objects (the fixture files the tests read, taken from
stripe/openapi; see their README); each builder fills in ids, money, times and links.
"""

import copy
import json
from functools import cache
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "monetization" / "tests" / "fixtures" / "stripe"
API_VERSION = "2026-07-29.dahlia"
DAY = 24 * 3600
PERIOD_SECONDS = 30 * DAY
DEFAULT_AMOUNT = 2000
DEFAULT_CURRENCY = "usd"


@cache
def _text(relative: str) -> str:
    return (FIXTURES / relative).read_text()


def template(relative: str) -> dict:
    return json.loads(_text(relative))


def list_object(data: list, url: str, *, has_more: bool = False) -> dict:
    """A page of a Stripe list, as list endpoints answer and list fields of objects hold."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def _event_object(name: str) -> dict:
    return copy.deepcopy(template(f"events/{name}.json")["data"]["object"])


def customer(customer_id: str, *, email: str | None, metadata: dict, now: int) -> dict:
    obj = template("customer.json")
    obj.update(id=customer_id, email=email, metadata=metadata, created=now)
    return obj


def checkout_session(session_id: str, *, params: dict, amount: int, url: str, now: int) -> dict:
    obj = template("checkout_session.json")
    obj.update(
        id=session_id,
        object="checkout.session",
        mode=params.get("mode"),
        customer=params.get("customer"),
        client_reference_id=params.get("client_reference_id"),
        metadata=params.get("metadata") or {},
        success_url=params.get("success_url"),
        cancel_url=params.get("cancel_url"),
        status="open",
        payment_status="unpaid",
        subscription=None,
        payment_intent=None,
        invoice=None,
        invoice_creation=None,
        amount_total=amount,
        amount_subtotal=amount,
        currency=DEFAULT_CURRENCY,
        created=now,
        expires_at=now + DAY,
        livemode=False,
        url=url,
    )
    return obj


def subscription(
    subscription_id: str,
    *,
    item_id: str,
    customer_id: str,
    price_id: str,
    amount: int,
    metadata: dict,
    period_start: int,
) -> dict:
    obj = _event_object("customer_subscription_created")
    obj.update(
        id=subscription_id,
        customer=customer_id,
        status="active",
        start_date=period_start,
        created=period_start,
        billing_cycle_anchor=period_start,
        metadata=metadata,
        latest_invoice=None,
    )
    item = obj["items"]["data"][0]
    item.update(
        id=item_id,
        subscription=subscription_id,
        created=period_start,
        current_period_start=period_start,
        current_period_end=period_start + PERIOD_SECONDS,
    )
    item["price"].update(id=price_id, unit_amount=amount, unit_amount_decimal=str(amount))
    item["plan"].update(id=price_id, amount=amount, amount_decimal=str(amount))
    obj["items"]["url"] = f"/v1/subscription_items?subscription={subscription_id}"
    return obj


def invoice(
    invoice_id: str,
    *,
    subscription: dict,
    billing_reason: str,
    number: str,
    now: int,
) -> dict:
    """An open invoice for the subscription's current period (finalized, not yet paid)."""
    item = subscription["items"]["data"][0]
    amount = item["price"]["unit_amount"]
    obj = _event_object("invoice_paid")
    obj.update(
        id=invoice_id,
        customer=subscription["customer"],
        billing_reason=billing_reason,
        number=number,
        created=now,
        effective_at=now,
        period_start=item["current_period_start"],
        period_end=item["current_period_start"],
        amount_due=amount,
        amount_paid=0,
        amount_remaining=amount,
        subtotal=amount,
        subtotal_excluding_tax=amount,
        total=amount,
        total_excluding_tax=amount,
        attempt_count=0,
        attempted=False,
        status="open",
        next_payment_attempt=None,
        webhooks_delivered_at=None,
        payments=list_object([], f"/v1/invoices/{invoice_id}/payments"),
    )
    obj["status_transitions"].update(finalized_at=now, paid_at=None)
    obj["parent"]["subscription_details"].update(subscription=subscription["id"], metadata=subscription["metadata"])
    line = obj["lines"]["data"][0]
    line.update(
        id=f"il_{invoice_id[3:]}",
        invoice=invoice_id,
        amount=amount,
        subtotal=amount,
        subscription=subscription["id"],
        period={"start": item["current_period_start"], "end": item["current_period_end"]},
    )
    line["parent"]["subscription_item_details"].update(subscription=subscription["id"], subscription_item=item["id"])
    line["pricing"].update(unit_amount_decimal=str(amount))
    line["pricing"]["price_details"]["price"] = item["price"]["id"]
    obj["lines"]["url"] = f"/v1/invoices/{invoice_id}/lines"
    return obj


def payment_intent(payment_intent_id: str, *, customer_id: str, amount: int, now: int) -> dict:
    obj = _event_object("payment_intent_succeeded")
    obj.update(
        id=payment_intent_id,
        client_secret=f"{payment_intent_id}_secret_simulated",
        customer=customer_id,
        amount=amount,
        amount_received=0,
        created=now,
        latest_charge=None,
        status="requires_payment_method",
    )
    return obj


def charge(charge_id: str, *, payment_intent: dict, last4: str, now: int) -> dict:
    obj = _event_object("charge_refunded")
    amount = payment_intent["amount"]
    obj.update(
        id=charge_id,
        customer=payment_intent["customer"],
        payment_intent=payment_intent["id"],
        payment_method=payment_intent["payment_method"],
        amount=amount,
        amount_captured=amount,
        amount_refunded=0,
        refunded=False,
        disputed=False,
        created=now,
        description="Subscription payment (simulated)",
        receipt_url=None,
        balance_transaction=f"txn_{charge_id[3:]}",
    )
    obj["refunds"] = list_object([], f"/v1/charges/{charge_id}/refunds")
    obj["payment_method_details"]["card"]["last4"] = last4
    return obj


def decline(charge_obj: dict, *, code: str, decline_code: str, message: str) -> None:
    charge_obj.update(
        status="failed",
        paid=False,
        captured=False,
        amount_captured=0,
        failure_code=code,
        failure_message=message,
        balance_transaction=None,
    )
    charge_obj["outcome"].update(
        network_status="declined_by_network",
        reason=decline_code,
        seller_message="The bank did not return any further details with this decline.",
        type="issuer_declined",
    )


def refund(refund_id: str, *, charge: dict, amount: int, now: int) -> dict:
    obj = copy.deepcopy(_event_object("charge_refunded")["refunds"]["data"][0])
    obj.update(
        id=refund_id,
        amount=amount,
        charge=charge["id"],
        payment_intent=charge["payment_intent"],
        customer=charge["customer"],
        created=now,
        status="succeeded",
    )
    return obj


def dispute(dispute_id: str, *, charge: dict, now: int) -> dict:
    obj = _event_object("charge_dispute_created")
    obj.update(
        id=dispute_id,
        amount=charge["amount"] - charge["amount_refunded"],
        charge=charge["id"],
        payment_intent=charge["payment_intent"],
        currency=charge["currency"],
        created=now,
        status="needs_response",
        reason="fraudulent",
        is_charge_refundable=False,
    )
    obj["evidence_details"]["due_by"] = now + 14 * DAY
    return obj


def event(event_id: str, *, event_type: str, obj: dict, now: int, previous_attributes: dict | None = None) -> dict:
    """The envelope, keys in the order Stripe sends them."""
    data = {"object": copy.deepcopy(obj)}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": now,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
