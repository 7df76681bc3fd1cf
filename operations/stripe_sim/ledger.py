"""What the simulated Stripe account holds, and the billing moves Stripe makes on it.

Each move changes the objects the way Stripe would and emits the events Stripe would send,
in Stripe's order. Callers hold the simulator's lock.
"""

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from operations.stripe_sim import objects
from operations.stripe_sim.cards import Card

Emit = Callable[..., dict]


@dataclass
class StripeState:
    customers: dict[str, dict] = field(default_factory=dict)
    sessions: dict[str, dict] = field(default_factory=dict)
    subscriptions: dict[str, dict] = field(default_factory=dict)
    invoices: dict[str, dict] = field(default_factory=dict)
    payment_intents: dict[str, dict] = field(default_factory=dict)
    charges: dict[str, dict] = field(default_factory=dict)
    disputes: dict[str, dict] = field(default_factory=dict)
    invoice_payments: dict[str, str] = field(default_factory=dict)  # payment intent id -> invoice id
    cards: dict[str, str] = field(default_factory=dict)  # subscription id -> last4 of the card that pays it
    purchases: dict[str, dict] = field(default_factory=dict)  # session id -> price and subscription metadata


class SimulationError(Exception):
    """A move that Stripe would refuse (e.g. refunding more than was paid)."""


class Ledger:
    def __init__(self, emit: Emit) -> None:
        self.state = StripeState()
        self._emit = emit
        self._last_id = 0
        self._last_invoice_number = 0

    def new_id(self, prefix: str) -> str:
        self._last_id += 1
        return f"{prefix}_test_{self._last_id:06d}"

    def snapshot(self) -> dict:
        """Everything the account holds, as JSON-ready data (the dev tool keeps it across restarts)."""
        return {"state": asdict(self.state), "last_id": self._last_id, "last_invoice": self._last_invoice_number}

    def restore(self, snapshot: dict) -> None:
        self.state = StripeState(**snapshot["state"])
        self._last_id = snapshot["last_id"]
        self._last_invoice_number = snapshot["last_invoice"]

    # --- API calls ---------------------------------------------------------------------
    def create_customer(self, params: dict) -> dict:
        customer = objects.customer(
            self.new_id("cus"), email=params.get("email"), metadata=params.get("metadata") or {}, now=_now()
        )
        self.state.customers[customer["id"]] = customer
        self._emit("customer.created", customer)
        return customer

    def create_session(self, params: dict, *, url_for: Callable[[str], str]) -> dict:
        session_id = self.new_id("cs")
        session = objects.checkout_session(
            session_id, params=params, amount=objects.DEFAULT_AMOUNT, url=url_for(session_id), now=_now()
        )
        self.state.sessions[session_id] = session
        # Kept for the payment step (Stripe keeps them too, outside the session object).
        self.state.purchases[session_id] = {
            "price": ((params.get("line_items") or [{}])[0]).get("price") or "price_simulated",
            "subscription_metadata": (params.get("subscription_data") or {}).get("metadata") or {},
        }
        return session

    def update_subscription(self, subscription_id: str, params: dict) -> dict:
        subscription = self.state.subscriptions[subscription_id]
        if "cancel_at_period_end" in params:
            wanted = params["cancel_at_period_end"] == "true"
            if wanted != subscription["cancel_at_period_end"]:
                previous = {k: subscription[k] for k in ("cancel_at_period_end", "cancel_at", "canceled_at")}
                period_end = subscription["items"]["data"][0]["current_period_end"]
                subscription.update(
                    cancel_at_period_end=wanted,
                    cancel_at=period_end if wanted else None,
                    canceled_at=_now() if wanted else None,
                )
                self._emit("customer.subscription.updated", subscription, previous_attributes=previous)
        return subscription

    # --- the hosted checkout page ------------------------------------------------------
    def pay_session(self, session_id: str, card: Card) -> dict:
        """The customer paid the session with a card that Stripe charged: everything a sign-up creates."""
        session = self.state.sessions[session_id]
        if session["status"] != "open":
            raise SimulationError(f"This checkout session is {session['status']}.")
        now = _now()
        customer_id = session["customer"] or self.create_customer({"email": None})["id"]
        purchase = self.state.purchases.get(session_id) or {"price": "price_simulated", "subscription_metadata": {}}
        subscription = objects.subscription(
            self.new_id("sub"),
            item_id=self.new_id("si"),
            customer_id=customer_id,
            price_id=purchase["price"],
            amount=session["amount_total"],
            metadata=purchase["subscription_metadata"],
            period_start=now,
        )
        self.state.subscriptions[subscription["id"]] = subscription
        self.state.cards[subscription["id"]] = card.last4
        invoice = self._new_invoice(subscription, "subscription_create", now)
        self._emit("customer.subscription.created", subscription)
        self._charge_invoice(invoice, succeed=True, now=now)
        session.update(
            customer=customer_id,
            status="complete",
            payment_status="paid",
            subscription=subscription["id"],
            invoice=invoice["id"],
            url=None,
        )
        self._emit("checkout.session.completed", session)
        return session

    # --- moves an operator triggers from the dashboard or `manage.py stripe_sim` ---------
    def renew(self, subscription_id: str, *, succeed: bool = True) -> dict:
        """The next billing cycle: a new period, its invoice and a charge that succeeds or is declined."""
        subscription = self.state.subscriptions[subscription_id]
        if subscription["status"] == "canceled":
            raise SimulationError("A canceled subscription does not renew.")
        now = _now()
        item = subscription["items"]["data"][0]
        period = {key: item[key] for key in ("current_period_start", "current_period_end")}
        previous = {"items": {"data": [period]}, "latest_invoice": subscription["latest_invoice"]}
        item["current_period_start"] = item["current_period_end"]
        item["current_period_end"] = item["current_period_start"] + objects.PERIOD_SECONDS
        invoice = self._new_invoice(subscription, "subscription_cycle", now)
        paid = self._charge_invoice(invoice, succeed=succeed, now=now)
        if not paid and subscription["status"] == "active":
            previous["status"] = "active"
            subscription["status"] = "past_due"
        if paid and subscription["status"] == "past_due":
            previous["status"] = "past_due"
            subscription["status"] = "active"
        self._emit("customer.subscription.updated", subscription, previous_attributes=previous)
        return invoice

    def retry_invoice(self, invoice_id: str) -> dict:
        """Stripe's next attempt at an open invoice, this time paid."""
        invoice = self.state.invoices[invoice_id]
        if invoice["status"] != "open":
            raise SimulationError(f"Invoice {invoice_id} is {invoice['status']}, not open.")
        self._charge_invoice(invoice, succeed=True, now=_now())
        subscription = self._subscription_of(invoice)
        if subscription["status"] == "past_due":
            subscription["status"] = "active"
            self._emit("customer.subscription.updated", subscription, previous_attributes={"status": "past_due"})
        return invoice

    def refund(self, charge_id: str, amount: int | None = None) -> dict:
        charge = self.state.charges[charge_id]
        left = charge["amount"] - charge["amount_refunded"]
        amount = left if amount is None else amount
        if charge["status"] != "succeeded" or not 0 < amount <= left:
            raise SimulationError(f"Charge {charge_id} has {left} left to refund.")
        refund = objects.refund(self.new_id("re"), charge=charge, amount=amount, now=_now())
        charge["refunds"]["data"].insert(0, refund)
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self._emit("refund.created", refund)
        self._emit(
            "charge.refunded", charge, previous_attributes={"amount_refunded": charge["amount_refunded"] - amount}
        )
        return charge

    def dispute(self, charge_id: str) -> dict:
        charge = self.state.charges[charge_id]
        if charge["status"] != "succeeded" or charge["disputed"]:
            raise SimulationError(f"Charge {charge_id} cannot be disputed.")
        dispute = objects.dispute(self.new_id("dp"), charge=charge, now=_now())
        charge["disputed"] = True
        self.state.disputes[dispute["id"]] = dispute
        self._emit("charge.dispute.created", dispute)
        return dispute

    def close_dispute(self, dispute_id: str, *, won: bool) -> dict:
        dispute = self.state.disputes[dispute_id]
        if dispute["status"] in ("won", "lost"):
            raise SimulationError(f"Dispute {dispute_id} is already {dispute['status']}.")
        previous = {"status": dispute["status"]}
        dispute["status"] = "won" if won else "lost"
        self._emit("charge.dispute.closed", dispute, previous_attributes=previous)
        return dispute

    def end_subscription(self, subscription_id: str) -> dict:
        """Stripe ends the subscription now (period over after a cancel, or unpaid retries exhausted)."""
        subscription = self.state.subscriptions[subscription_id]
        if subscription["status"] == "canceled":
            raise SimulationError("The subscription has already ended.")
        now = _now()
        subscription.update(status="canceled", ended_at=now, canceled_at=subscription["canceled_at"] or now)
        self._emit("customer.subscription.deleted", subscription)
        return subscription

    # --- helpers -------------------------------------------------------------------------
    def latest_charge(self, subscription_id: str) -> dict | None:
        """The charge that paid the subscription's latest paid invoice."""
        for invoice in reversed(list(self.state.invoices.values())):
            if self._subscription_of(invoice)["id"] == subscription_id and invoice["status"] == "paid":
                intent = self.state.payment_intents[invoice["payments"]["data"][0]["payment"]["payment_intent"]]
                return self.state.charges[intent["latest_charge"]]
        return None

    def _subscription_of(self, invoice: dict) -> dict:
        return self.state.subscriptions[invoice["parent"]["subscription_details"]["subscription"]]

    def _new_invoice(self, subscription: dict, billing_reason: str, now: int) -> dict:
        self._last_invoice_number += 1
        number = f"SIM-{self._last_invoice_number:04d}"
        invoice = objects.invoice(
            self.new_id("in"), subscription=subscription, billing_reason=billing_reason, number=number, now=now
        )
        self.state.invoices[invoice["id"]] = invoice
        subscription["latest_invoice"] = invoice["id"]
        self._emit("invoice.created", invoice)
        self._emit("invoice.finalized", invoice)
        return invoice

    def _charge_invoice(self, invoice: dict, *, succeed: bool, now: int) -> bool:
        """One payment attempt on the invoice: a payment intent and its charge, then the invoice's outcome."""
        subscription = self._subscription_of(invoice)
        intent = objects.payment_intent(
            self.new_id("pi"), customer_id=invoice["customer"], amount=invoice["amount_due"], now=now
        )
        intent["payment_method"] = f"pm_{subscription['id'][4:]}"
        charge = objects.charge(
            self.new_id("ch"), payment_intent=intent, last4=self.state.cards.get(subscription["id"], "4242"), now=now
        )
        self.state.payment_intents[intent["id"]] = intent
        self.state.charges[charge["id"]] = charge
        intent["latest_charge"] = charge["id"]
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        if not succeed:
            message = "Your card has insufficient funds."
            objects.decline(charge, code="card_declined", decline_code="insufficient_funds", message=message)
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": "insufficient_funds",
                "message": message,
                "charge": charge["id"],
            }
            invoice.update(next_payment_attempt=now + 3 * objects.DAY, auto_advance=True)
            self._emit("charge.failed", charge)
            self._emit("payment_intent.payment_failed", intent)
            self._emit("invoice.payment_failed", invoice)
            return False
        intent.update(status="succeeded", amount_received=intent["amount"], last_payment_error=None)
        invoice.update(status="paid", amount_paid=invoice["amount_due"], amount_remaining=0, next_payment_attempt=None)
        invoice["status_transitions"]["paid_at"] = now
        invoice["payments"]["data"].insert(
            0,
            {
                "object": "invoice_payment",
                "id": self.new_id("inpay"),
                "invoice": invoice["id"],
                "status": "paid",
                "amount_paid": invoice["amount_paid"],
                "is_default": True,
                "payment": {"type": "payment_intent", "payment_intent": intent["id"]},
            },
        )
        self.state.invoice_payments[intent["id"]] = invoice["id"]
        self._emit("charge.succeeded", charge)
        self._emit("payment_intent.succeeded", intent)
        self._emit("invoice.paid", invoice)
        self._emit("invoice.payment_succeeded", invoice)
        return True


def _now() -> int:
    return int(time.time())
