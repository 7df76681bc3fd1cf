"""Stripe chaos replay: the fixture story's events in random order, duplicated and concurrent.

Hypothesis draws sequences of the events one customer's subscription produces (checkout and
the success page's confirm, first and renewal invoice paid, payment failed, subscription
updated five ways (past_due, active, cancel requested, unpaid, trialing), full and partial
refunds, a dispute opened, won and lost, deletion), posts each one signed exactly as Stripe
signs through `POST /api/billing/webhook/` (confirm through `POST checkout/confirm/`), and
then Stripe's retry: every event answered 500 is delivered once more (there must be none).
The database must then equal what a small explicit model of the billing rules (`Oracle`)
predicts, and at six clock points `has_premium` (and the premium resource's `detail/` and
`access/`) must be what the spec's access rule says of the oracle's subscription:

- one WebhookEvent per event id delivered, none left PENDING, each with the predicted status;
- one Payment per paid Stripe object (the checkout and its first invoice are one), money
  counted once: COMPLETED + REFUNDED amounts = 2000 per paid object applied;
- the subscription as the newest applied event says (an older event never overwrites it,
  nothing revives a subscription Stripe ended, events before the checkout are ignored);
- one outbox event per state change (never a second `billing.*` for the same change);
- a refund moves the renewal payment to REFUNDED once; partial refunds add up; a refund or
  dispute that comes before the renewal is paid waits for it (parked), never a 500;
- premium follows what was paid: the latest paid period, closed by its full refund or an
  open or lost dispute, never by Stripe's current period alone.

The concurrent variant (PostgreSQL) delivers some steps from several threads at once; the
oracle then accepts the outcome of any serial order of that step's deliveries.
"""

import copy
import datetime
import itertools
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.models import OutboxEvent
from core.tests.at_once import at_once
from monetization.models import (
    ParkedChargeEvent,
    Payment,
    PaymentIntentRecord,
    StripeCustomer,
    Subscription,
    WebhookEvent,
)
from monetization.tests.conftest import signed_post
from monetization.tests.stripe_fixtures import (
    INVOICE_ID,
    PAYMENT_INTENT_ID,
    SESSION_ID,
    SUBSCRIPTION_ID,
    event_body,
    event_dict,
    event_text,
    live_subscription,
)
from resources.models import Visibility
from resources.tests.factories import ResourceFactory, ResourceVersionFactory

# --- the events ------------------------------------------------------------------------

FIRST_INVOICE_ID = "in_chaos_first_invoice_of_checkout"
FIRST_PERIOD = (1785751200, 1788429600)  # 2026-08-03 .. 2026-09-03, what Stripe holds at checkout
RENEWAL_PERIOD = (1788429600, 1791021600)  # 2026-09-03 .. 2026-10-03
CANCEL_REQUESTED_AT = 1789293600
AMOUNT = 2000
PARTIAL = 500
CONFIRM_AT = 1785751210  # the success page's confirm, and the clock while events are delivered
GRACE = 72 * 3600


def _fixture(name: str) -> Callable[[object], bytes]:
    return lambda user_id: event_text(name, user_id).encode()


def _edited(name: str, edit: Callable[[dict], None]) -> Callable[[object], bytes]:
    def body(user_id: object) -> bytes:
        event = copy.deepcopy(event_dict(name, user_id))
        edit(event)
        return event_body(event)

    return body


def _first_invoice(event: dict) -> None:
    """`invoice.paid` of the subscription's first invoice, just after the checkout (README)."""
    event.update(id="evt_chaos_first_invoice_paid", created=1785751206)
    invoice = event["data"]["object"]
    invoice.update(id=FIRST_INVOICE_ID, billing_reason="subscription_create", attempt_count=1)
    invoice["lines"]["data"][0]["period"] = {"start": FIRST_PERIOD[0], "end": FIRST_PERIOD[1]}


def _active_again(event: dict) -> None:
    """The update back to `active` after the retry paid (the README: "not in the set")."""
    event.update(id="evt_chaos_subscription_active_again", created=1788692407)
    event["data"]["object"]["status"] = "active"
    event["data"]["previous_attributes"] = {"status": "past_due"}


def _cancel_requested(event: dict) -> None:
    """The customer's cancel-at-period-end request of 2026-09-13 (also "not in the set")."""
    event.update(id="evt_chaos_cancel_at_period_end", created=CANCEL_REQUESTED_AT + 1)
    event["data"]["object"].update(
        status="active", cancel_at_period_end=True, canceled_at=CANCEL_REQUESTED_AT, cancel_at=RENEWAL_PERIOD[1]
    )
    event["data"]["previous_attributes"] = {"cancel_at_period_end": False}


def _unpaid(event: dict) -> None:
    """Stripe gave up retrying the renewal: `unpaid` (after the story's retries, so rarely applied)."""
    event.update(id="evt_chaos_subscription_unpaid", created=1788950000)
    event["data"]["object"]["status"] = "unpaid"


def _trialing(event: dict) -> None:
    """A trial noted just after the checkout (its first period), as a plan change can do."""
    event.update(id="evt_chaos_subscription_trialing", created=1785751300)
    subscription = event["data"]["object"]
    subscription.update(status="trialing", trial_end=FIRST_PERIOD[1])
    subscription["items"]["data"][0].update(current_period_start=FIRST_PERIOD[0], current_period_end=FIRST_PERIOD[1])


def _partial_refund(event: dict) -> None:
    """5.00 of the renewal's 20.00 refunded, two hours before the full refund."""
    event.update(id="evt_chaos_partial_refund", created=1788854402)
    event["data"]["object"].update(amount_refunded=PARTIAL, refunded=False)


def _dispute_closed(status: str, created: int) -> Callable[[dict], None]:
    def edit(event: dict) -> None:
        event.update(id=f"evt_chaos_dispute_{status}", created=created, type="charge.dispute.closed")
        event["data"]["object"]["status"] = status

    return edit


@dataclass(frozen=True)
class StripeEvent:
    event_id: str
    created: int
    body: Callable[[object], bytes]


def _spec(body: Callable[[object], bytes]) -> StripeEvent:
    envelope = json.loads(body("user"))
    return StripeEvent(envelope["id"], envelope["created"], body)


EVENTS: dict[str, StripeEvent] = {
    "checkout": _spec(_fixture("checkout_session_completed")),
    "first_invoice_paid": _spec(_edited("invoice_paid", _first_invoice)),
    "payment_failed": _spec(_fixture("invoice_payment_failed")),
    "past_due": _spec(_fixture("customer_subscription_updated")),
    "renewal_paid": _spec(_fixture("invoice_paid")),
    "active_again": _spec(_edited("customer_subscription_updated", _active_again)),
    "cancel_requested": _spec(_edited("customer_subscription_updated", _cancel_requested)),
    "refunded": _spec(_fixture("charge_refunded")),
    "deleted": _spec(_fixture("customer_subscription_deleted")),
    "unpaid": _spec(_edited("customer_subscription_updated", _unpaid)),
    "trialing": _spec(_edited("customer_subscription_updated", _trialing)),
    "partial_refund": _spec(_edited("charge_refunded", _partial_refund)),
    "dispute_opened": _spec(_fixture("charge_dispute_created")),
    "dispute_won": _spec(_edited("charge_dispute_created", _dispute_closed("won", 1790000002))),
    "dispute_lost": _spec(_edited("charge_dispute_created", _dispute_closed("lost", 1790100002))),
    # Not a webhook: the success page's POST checkout/confirm/, answered from Stripe's state.
    "confirm": StripeEvent("confirm", CONFIRM_AT, lambda user_id: b""),
}
NAMES = sorted(EVENTS)
WEBHOOK_NAMES = [name for name in NAMES if name != "confirm"]
CHARGE_EVENTS = ("refunded", "partial_refund", "dispute_opened", "dispute_won", "dispute_lost")
# Where the access rule changes its answer for this story: around both paid ends and their grace.
CLOCK_POINTS = (
    FIRST_PERIOD[1] - 86400,
    FIRST_PERIOD[1] + GRACE - 3600,
    FIRST_PERIOD[1] + GRACE + 3600,
    RENEWAL_PERIOD[1] - 86400,
    RENEWAL_PERIOD[1] + GRACE - 3600,
    RENEWAL_PERIOD[1] + GRACE + 3600,
)

# --- the oracle ------------------------------------------------------------------------

PROCESSED, IGNORED, FAILED = "PROCESSED", "IGNORED", "FAILED"
ACTIVE, PAST_DUE, CANCELED, UNPAID, TRIALING = "ACTIVE", "PAST_DUE", "CANCELED", "UNPAID", "TRIALING"
COMPLETED, REFUNDED = "COMPLETED", "REFUNDED"

# Stripe's subscription when no subscription event happened: what the checkout read.
AT_CHECKOUT = {
    "status": ACTIVE,
    "period_start": FIRST_PERIOD[0],
    "ends_at": FIRST_PERIOD[1],
    "trial_end": None,
    "canceled_at": None,
    "ended_at": None,
    "cancel_at_period_end": False,
}
# What each subscription event says about the subscription (Stripe's object, in our terms).
_RENEWING = {"period_start": RENEWAL_PERIOD[0], "ends_at": RENEWAL_PERIOD[1], "trial_end": None}
SAYS = {
    "past_due": {**_RENEWING, "status": PAST_DUE, "canceled_at": None, "ended_at": None, "cancel_at_period_end": False},
    "active_again": {
        **_RENEWING,
        "status": ACTIVE,
        "canceled_at": None,
        "ended_at": None,
        "cancel_at_period_end": False,
    },
    "cancel_requested": {
        **_RENEWING,
        "status": ACTIVE,
        "canceled_at": CANCEL_REQUESTED_AT,
        "ended_at": None,
        "cancel_at_period_end": True,
    },
    "deleted": {
        **_RENEWING,
        "status": CANCELED,
        "ends_at": RENEWAL_PERIOD[1],  # = ended_at
        "canceled_at": CANCEL_REQUESTED_AT,
        "ended_at": RENEWAL_PERIOD[1],
        "cancel_at_period_end": True,
    },
    "unpaid": {**_RENEWING, "status": UNPAID, "canceled_at": None, "ended_at": None, "cancel_at_period_end": False},
    "trialing": {**AT_CHECKOUT, "status": TRIALING, "trial_end": FIRST_PERIOD[1]},
}
# The status each event implies for the subscription when it applies to it (None: keeps it).
IMPLIES = {
    "checkout": ACTIVE,
    "confirm": ACTIVE,
    "first_invoice_paid": None,
    "renewal_paid": None,
    "payment_failed": PAST_DUE,
    **{name: says["status"] for name, says in SAYS.items()},
}
SETTLED_BY_PAYMENT = (PAST_DUE, UNPAID)


def spec_access_until(sub: dict | None) -> int | None:
    """SPEC.md "Premium access follows what was paid", restated for the oracle's values (unix seconds)."""
    if sub is None or sub["plan"] != "PREMIUM":
        return None
    if sub["status"] == TRIALING and sub["paid_through"] is None:
        return sub["trial_end"]
    if sub["revoked"] or sub["paid_through"] is None:
        return None
    if sub["status"] in (ACTIVE, TRIALING, PAST_DUE):
        return sub["paid_through"] + (0 if sub["cancel_at_period_end"] else GRACE)
    if sub["status"] == CANCELED:
        return min(sub["paid_through"], sub["ended_at"]) if sub["ended_at"] else sub["paid_through"]
    return None


class Oracle:
    """The billing rules as a model of values, one delivery at a time.

    - Nothing is known of the subscription until the checkout is fulfilled (by its event or
      the success page's confirm, stamped with the time it read Stripe): every event about
      it before that is recorded and IGNORED (and stays so: a redelivery is a duplicate).
    - An event older (Stripe `created`) than the newest one applied changes no subscription
      field; once Stripe deleted the subscription nothing revives it. Invoices still record
      their Payment, and a paid one still moves `paid_through` (what was paid is a fact).
    - Payments: the checkout's money is one Payment paying the first period (its first
      invoice links to it, never a second one); the renewal invoice is one Payment, FAILED
      then COMPLETED, paying the renewal period. `paid_through` is the latest paid period's
      end; it is revoked while that payment is refunded in full or disputed (open or lost).
    - A refund or dispute of the renewal's charge before the renewal is paid is parked
      (200) and applied, in Stripe's order, when it is. Refunds: Stripe's running total,
      never counted twice. A dispute moves only forward: opened, then closed (first closing stays).
    - A payment failure of an invoice already paid (even refunded since) changes nothing.
    - Outbox: one event per state change of a Payment or the Subscription.
    """

    def __init__(self) -> None:
        self.record = "CREATED"
        self.subscription: dict | None = None
        self.payments: dict[str, dict] = {}  # provider_reference -> invoice, amount, status, refunds, dispute
        self.parked: dict[str, bool] = {}  # charge event id -> applied
        self.outbox: list[tuple] = []  # (aggregate, event type, effective)
        self.webhooks: dict[str, str] = {}  # event id -> status
        self.applied: list[str] = []  # events that changed the subscription, in order
        self.responses: list[tuple] = []

    # delivery ---------------------------------------------------------------------------
    def deliver(self, name: str) -> int:
        if name == "confirm":
            self._fulfil("confirm", CONFIRM_AT)
            return 200
        event = EVENTS[name]
        if self.webhooks.get(event.event_id) in (PROCESSED, IGNORED):
            return 200  # a duplicate: answered, nothing done
        # A subscription event applies what it says (SAYS); every other event has its own rule.
        outcome = self._sync(name, event) if name in SAYS else getattr(self, f"_{name}")(event)
        self.webhooks[event.event_id] = outcome
        return 500 if outcome == FAILED else 200

    def failed_events(self) -> list[str]:
        return [name for name in WEBHOOK_NAMES if self.webhooks.get(EVENTS[name].event_id) == FAILED]

    def observable(self) -> dict:
        return {
            "record": self.record,
            "subscription": dict(self.subscription) if self.subscription else None,
            "payments": sorted(
                (ref, p["invoice"], p["amount"], p["status"], p["refunded"], p["dispute"], p["period_end"])
                for ref, p in self.payments.items()
            ),
            "parked": sorted(self.parked.items()),
            "outbox": sorted(self.outbox, key=repr),
            "webhooks": sorted(self.webhooks.items()),
            "responses": list(self.responses),
        }

    def key(self) -> str:
        return repr((self.observable(), self.applied))

    # rules ------------------------------------------------------------------------------
    def _may_change_subscription(self, created: int) -> bool:
        sub = self.subscription
        ended = sub["status"] == CANCELED and sub["ended_at"] is not None
        return created >= sub["last_event"] and not ended

    def _applied(self, name: str, created: int) -> None:
        self.subscription["last_event"] = max(self.subscription["last_event"], created)
        self.applied.append(name)

    def _payment_for_invoice(self, invoice_id: str) -> tuple[str, dict] | tuple[None, None]:
        for ref, payment in self.payments.items():
            if payment["invoice"] == invoice_id:
                return ref, payment
        return None, None

    def _refresh_paid_through(self) -> None:
        paid = [p for p in self.payments.values() if p["status"] in (COMPLETED, REFUNDED) and p["period_end"]]
        if not paid or self.subscription is None:
            return
        latest = max(paid, key=lambda p: p["period_end"])
        sub = self.subscription
        if sub["paid_through"] is None or latest["period_end"] >= sub["paid_through"]:
            good = latest["status"] == COMPLETED and latest["refunded"] < latest["amount"]
            good = good and latest["dispute"] in ("", "won")
            sub.update(paid_through=latest["period_end"], revoked=not good)

    def _fulfil(self, name: str, stamp: int) -> str:
        if self.record == COMPLETED:
            return PROCESSED  # fulfilled already (by the event or the success page)
        self.record = COMPLETED
        self.subscription = {
            "plan": "PREMIUM",
            **AT_CHECKOUT,
            "last_event": stamp,
            "paid_through": None,
            "revoked": False,
        }
        self.applied.append(name)
        self.payments[SESSION_ID] = self._new_payment("", COMPLETED, FIRST_PERIOD[1])
        self._refresh_paid_through()
        self.outbox += [
            (f"payment:{SESSION_ID}", "billing.payment_completed", None),
            ("subscription", "billing.subscription_activated", None),
        ]
        return PROCESSED

    @staticmethod
    def _new_payment(invoice: str, status: str, period_end: int | None) -> dict:
        return {
            "invoice": invoice,
            "amount": AMOUNT,
            "status": status,
            "refunded": 0,
            "dispute": "",
            "period_end": period_end,
        }

    def _checkout(self, event: StripeEvent) -> str:
        return self._fulfil("checkout", event.created)

    def _invoice_paid(self, name: str, event: StripeEvent, invoice_id: str, period_end: int, first: bool) -> str:
        if self.subscription is None:
            return IGNORED
        ref, payment = self._payment_for_invoice(invoice_id)
        if payment is None and first:
            # The first invoice of a checkout is the checkout's money: link, never count twice.
            ref, payment = self._payment_for_invoice("")
        if payment is None:
            ref = invoice_id
            payment = self.payments[ref] = self._new_payment(invoice_id, COMPLETED, period_end)
            self.outbox.append((f"payment:{ref}", "billing.payment_completed", None))
        else:
            payment["invoice"] = payment["invoice"] or invoice_id
            payment["period_end"] = payment["period_end"] or period_end
            if payment["status"] == FAILED:
                payment["status"] = COMPLETED
                self.outbox.append((f"payment:{ref}", "billing.payment_completed", None))
        if not first:
            self._apply_parked(ref, payment)
        self._refresh_paid_through()
        if self._may_change_subscription(event.created):
            sub = self.subscription
            if sub["status"] in SETTLED_BY_PAYMENT:
                sub["status"] = ACTIVE
            self._applied(name, event.created)
        return PROCESSED

    def _first_invoice_paid(self, event: StripeEvent) -> str:
        return self._invoice_paid("first_invoice_paid", event, FIRST_INVOICE_ID, FIRST_PERIOD[1], first=True)

    def _renewal_paid(self, event: StripeEvent) -> str:
        return self._invoice_paid("renewal_paid", event, INVOICE_ID, RENEWAL_PERIOD[1], first=False)

    def _payment_failed(self, event: StripeEvent) -> str:
        if self.subscription is None:
            return IGNORED
        ref, payment = self._payment_for_invoice(INVOICE_ID)
        if payment is not None and payment["status"] in (COMPLETED, REFUNDED):
            return IGNORED  # the invoice was paid (and maybe refunded since): no "payment failed"
        if payment is None:
            ref = INVOICE_ID
            self.payments[ref] = self._new_payment(INVOICE_ID, FAILED, None)
        if self._may_change_subscription(event.created):
            if self.subscription["status"] in (ACTIVE, TRIALING):
                self.subscription["status"] = PAST_DUE
            self._applied("payment_failed", event.created)
        self.outbox.append((f"payment:{ref}", "billing.payment_failed", None))
        return PROCESSED

    def _sync(self, name: str, event: StripeEvent) -> str:
        sub = self.subscription
        if sub is None or not self._may_change_subscription(event.created):
            return IGNORED
        was_canceled, was_cancel_at_period_end = sub["status"] == CANCELED, sub["cancel_at_period_end"]
        sub.update(SAYS[name])
        self._applied(name, event.created)
        if sub["status"] == CANCELED and not was_canceled:
            self.outbox.append(("subscription", "billing.subscription_canceled", "now"))
        elif sub["cancel_at_period_end"] and not was_cancel_at_period_end:
            self.outbox.append(("subscription", "billing.subscription_canceled", "period_end"))
        return PROCESSED

    # charges (all name the renewal invoice's charge; Stripe says so through GET /v1/invoice_payments)
    def _charge_event(self, name: str) -> str:
        ref, payment = self._payment_for_invoice(INVOICE_ID)
        if payment is None or payment["status"] == FAILED:
            self.parked[EVENTS[name].event_id] = False
            return PROCESSED  # parked until the renewal is paid
        changed = self._apply_charge(name, ref, payment)
        if changed:
            self._refresh_paid_through()
        return PROCESSED if changed else IGNORED

    def _apply_parked(self, ref: str, payment: dict) -> None:
        waiting = [name for name in CHARGE_EVENTS if self.parked.get(EVENTS[name].event_id) is False]
        for name in sorted(waiting, key=lambda name: EVENTS[name].created):
            self._apply_charge(name, ref, payment)
            self.parked[EVENTS[name].event_id] = True

    def _apply_charge(self, name: str, ref: str, payment: dict) -> bool:
        if name in ("refunded", "partial_refund"):
            total = AMOUNT if name == "refunded" else PARTIAL
            if total <= payment["refunded"]:
                return False
            payment["refunded"] = total
            if total == AMOUNT:
                payment["status"] = REFUNDED
            self.outbox.append((f"payment:{ref}", "billing.payment_refunded", total))
            return True
        if payment["dispute"] in ("won", "lost"):
            return False  # closed: final
        if name == "dispute_opened":
            if payment["dispute"]:
                return False
            payment["dispute"] = "warning_needs_response"
            self.outbox.append((f"payment:{ref}", "billing.dispute_opened", payment["dispute"]))
            return True
        payment["dispute"] = "won" if name == "dispute_won" else "lost"
        self.outbox.append((f"payment:{ref}", "billing.dispute_closed", payment["dispute"]))
        return True

    def _refunded(self, event: StripeEvent) -> str:
        return self._charge_event("refunded")

    def _partial_refund(self, event: StripeEvent) -> str:
        return self._charge_event("partial_refund")

    def _dispute_opened(self, event: StripeEvent) -> str:
        return self._charge_event("dispute_opened")

    def _dispute_won(self, event: StripeEvent) -> str:
        return self._charge_event("dispute_won")

    def _dispute_lost(self, event: StripeEvent) -> str:
        return self._charge_event("dispute_lost")

    def has_premium(self, now: int) -> bool:
        until = spec_access_until(self.subscription)
        return until is not None and now < until


def replay_in_oracle(steps: list[tuple[str, ...]]) -> list[Oracle]:
    """Every final state a serial order of each step's deliveries can lead to."""
    worlds = [Oracle()]
    for step in [*steps, None]:
        following: dict[str, Oracle] = {}
        for world in worlds:
            orders = set(itertools.permutations(step)) if step else [tuple(world.failed_events())]
            for order in orders:
                branch = copy.deepcopy(world)
                branch.responses.append(tuple(sorted(branch.deliver(name) for name in order)))
                following[branch.key()] = branch
        worlds = list(following.values())
    return worlds


# --- the real thing --------------------------------------------------------------------


def _unix(value: datetime.datetime | None) -> int | None:
    return int(value.timestamp()) if value is not None else None


def observed(responses: list[tuple]) -> dict:
    assert Subscription.objects.count() <= 1
    sub = Subscription.objects.filter(stripe_subscription_id=SUBSCRIPTION_ID).first()
    payments = list(Payment.objects.all())
    reference = {str(p.pk): p.provider_reference for p in payments}
    outbox = []
    for event in OutboxEvent.objects.all():
        aggregate = f"payment:{reference[event.aggregate_id]}" if event.aggregate_type == "Payment" else "subscription"
        payload = event.payload
        detail = payload.get("effective", payload.get("amount_refunded_cents", payload.get("dispute_status")))
        outbox.append((aggregate, event.event_type, detail))
    record = PaymentIntentRecord.objects.get(stripe_session_id=SESSION_ID)
    return {
        "record": record.status,
        "subscription": {
            "plan": sub.plan,
            "status": sub.status,
            "period_start": _unix(sub.current_period_start),
            "ends_at": _unix(sub.ends_at),
            "canceled_at": _unix(sub.canceled_at),
            "ended_at": _unix(sub.ended_at),
            "cancel_at_period_end": sub.cancel_at_period_end,
            "last_event": _unix(sub.last_stripe_event_created),
            "trial_end": _unix(sub.trial_end),
            "paid_through": _unix(sub.paid_through),
            "revoked": sub.paid_period_revoked,
        }
        if sub
        else None,
        "payments": sorted(
            (
                p.provider_reference,
                p.stripe_invoice_id,
                p.amount_cents,
                p.status,
                p.refunded_cents,
                p.dispute_status,
                _unix(p.period_end),
            )
            for p in payments
        ),
        "parked": sorted((row.stripe_event_id, row.applied_at is not None) for row in ParkedChargeEvent.objects.all()),
        "outbox": sorted(outbox, key=repr),
        "webhooks": sorted(WebhookEvent.objects.values_list("stripe_id", "status")),
        "responses": list(responses),
    }


def start_example(fake_stripe, user, clock) -> str:
    """A clean slate per example: no billing rows, our checkout record, Stripe's subscription and
    session; the clock at the story's sign-up. Returns a premium resource's id (by someone else)."""
    clock.move_to(datetime.datetime.fromtimestamp(CONFIRM_AT, tz=datetime.UTC), tick=False)
    models = (OutboxEvent, WebhookEvent, ParkedChargeEvent, Payment, Subscription, PaymentIntentRecord)
    for model in (*models, StripeCustomer):
        model.objects.all().delete()
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(period_start=FIRST_PERIOD[0], period_end=FIRST_PERIOD[1]))
    fake_stripe.state.sessions[SESSION_ID] = event_dict("checkout_session_completed", user.pk)["data"]["object"]
    fake_stripe.state.invoice_payments[PAYMENT_INTENT_ID] = INVOICE_ID
    resource = ResourceFactory(visibility=Visibility.PREMIUM)
    ResourceVersionFactory(resource=resource, version_number=1)
    return str(resource.pk)


def post(name: str, user) -> int:
    if name == "confirm":
        client = APIClient()
        client.force_authenticate(user)
        return client.post("/api/billing/checkout/confirm/", {"session_id": SESSION_ID}, format="json").status_code
    return signed_post(APIClient(), EVENTS[name].body(user.pk)).status_code


def premium_as_the_user_sees_it(user, resource_id: str, clock) -> list[tuple[int, bool]]:
    """At each clock point: the plan's `has_premium`, which detail/ and access/ must agree with."""
    client = APIClient()
    client.force_authenticate(user)
    seen = []
    for point in CLOCK_POINTS:
        clock.move_to(datetime.datetime.fromtimestamp(point, tz=datetime.UTC), tick=False)
        has_premium = client.get("/api/billing/subscription/").json()["data"]["has_premium"]
        detail = client.get(f"/api/resources/{resource_id}/detail/").json()["data"]
        opened = client.get(f"/api/resources/{resource_id}/access/").status_code
        assert (detail["versions"][0]["file_url"] is not None) == has_premium == (opened == 200), point
        seen.append((point, has_premium))
    return seen


def post_at_once(names: tuple[str, ...], user) -> list[int]:
    """Each delivery from its own thread, released together."""
    return at_once(len(names), lambda index: post(names[index], user))


def stripe_retries_failed_events(user) -> tuple:
    """Stripe redelivers what was answered 500 (once here, after the sequence)."""
    failed = set(WebhookEvent.objects.filter(status="FAILED").values_list("stripe_id", flat=True))
    return tuple(sorted(post(name, user) for name in WEBHOOK_NAMES if EVENTS[name].event_id in failed))


def check_invariants(actual: dict, delivered: set[str], worlds: list[Oracle]) -> Oracle:
    """Returns the oracle world that explains the database."""
    # The webhook never answers 500: every order is one Stripe may send.
    assert all(code == 200 for codes in actual["responses"] for code in codes), actual["responses"]

    # WebhookEvent: exactly one row per event id delivered, none PENDING.
    stripe_ids = [stripe_id for stripe_id, _ in actual["webhooks"]]
    assert sorted(stripe_ids) == sorted({EVENTS[name].event_id for name in delivered if name != "confirm"})
    assert all(status != "PENDING" for _, status in actual["webhooks"])

    # One Payment per Stripe payment object; money counted once; refunds never above the amount.
    payments = actual["payments"]
    assert len({p[0] for p in payments}) == len(payments)
    assert len({p[1] for p in payments if p[1]}) == len([p for p in payments if p[1]])
    paid_objects = {"checkout"} if actual["record"] == COMPLETED else set()
    if any(p[1] == INVOICE_ID and p[3] in (COMPLETED, REFUNDED) for p in payments):
        paid_objects.add("renewal invoice")
    assert sum(p[2] for p in payments if p[3] in (COMPLETED, REFUNDED)) == AMOUNT * len(paid_objects)
    assert all(0 <= p[4] <= p[2] and (p[3] != REFUNDED or p[4] == p[2]) for p in payments)

    # Once per state change: no outbox event twice for the same aggregate and change.
    repeated = [key for key, count in Counter(actual["outbox"]).items() if count > 1]
    assert repeated == []

    # The whole state is one the model predicts for some serial order of the concurrent steps.
    matching = [world for world in worlds if world.observable() == actual]
    assert matching, _explain(actual, worlds)

    # The subscription says what the newest applied event implies (and nothing older won).
    world = matching[0]
    if world.applied:
        newest = max(world.applied, key=lambda name: EVENTS[name].created)
        if IMPLIES[newest] is not None:
            assert actual["subscription"]["status"] == IMPLIES[newest]
        assert actual["subscription"]["last_event"] == EVENTS[newest].created
    return world


def check_premium(seen: list[tuple[int, bool]], world: Oracle) -> None:
    """At every clock point the user is told what the spec's rule says of the modelled subscription."""
    assert seen == [(point, world.has_premium(point)) for point in CLOCK_POINTS], world.subscription


def _explain(actual: dict, worlds: list[Oracle]) -> str:
    lines = ["no serial order of the deliveries explains the database:"]
    expected = worlds[0].observable()
    for key in actual:
        if actual[key] != expected[key]:
            lines.append(f"  {key}: actual   {actual[key]}")
            lines.append(f"  {key}: expected {expected[key]}  ({len(worlds)} possible worlds)")
    return "\n".join(lines)


# --- the tests -------------------------------------------------------------------------

single_event = st.sampled_from(NAMES)


@st.composite
def shuffled_with_duplicates(draw) -> list[str]:
    """A random order of a random subset of the story, with redeliveries inserted anywhere."""
    order = draw(st.permutations(NAMES))
    sequence = list(order[: draw(st.integers(2, len(NAMES)))])
    for _ in range(draw(st.integers(0, 6))):
        sequence.insert(draw(st.integers(0, len(sequence))), draw(st.sampled_from(sequence)))
    return sequence


same_event_at_once = st.tuples(single_event, st.integers(2, 4)).map(lambda drawn: (drawn[0],) * drawn[1])
two_events_at_once = st.lists(single_event, min_size=2, max_size=2, unique=True).flatmap(
    lambda pair: st.lists(st.sampled_from(pair), min_size=len(pair), max_size=4).map(lambda extra: (*pair, *extra[2:]))
)


@st.composite
def steps_with_bursts(draw) -> list[tuple[str, ...]]:
    """The shuffled story with neighbours delivered at once and bursts of redeliveries inserted."""
    steps: list[tuple[str, ...]] = []
    for name in draw(shuffled_with_duplicates()):
        if steps and len(steps[-1]) < 3 and draw(st.booleans()):
            steps[-1] = (*steps[-1], name)  # from another thread, at the same moment
        else:
            steps.append((name,))
    for _ in range(draw(st.integers(1, 3))):
        burst = draw(st.one_of(same_event_at_once, two_events_at_once))
        steps.insert(draw(st.integers(0, len(steps))), burst)
    return steps


COMMON = {"deadline": None, "database": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


@pytest.mark.django_db
@settings(max_examples=100, **COMMON)
@given(sequence=st.one_of(shuffled_with_duplicates(), st.lists(single_event, min_size=1, max_size=12)))
@example(sequence=["checkout", "renewal_paid", "refunded", "payment_failed"])
@example(sequence=["refunded", "checkout", "payment_failed", "dispute_opened", "renewal_paid", "dispute_won"])
@example(sequence=["confirm", "checkout", "trialing", "payment_failed", "past_due", "partial_refund", "renewal_paid"])
@example(sequence=["checkout", "renewal_paid", "refunded", "renewal_paid", "unpaid", "dispute_lost"])
def test_replayed_sequences_end_in_the_state_the_model_predicts(fake_stripe, user, time_machine, sequence):
    resource_id = start_example(fake_stripe, user, time_machine)

    responses = [(post(name, user),) for name in sequence]
    responses.append(stripe_retries_failed_events(user))

    worlds = replay_in_oracle([(name,) for name in sequence])
    world = check_invariants(observed(responses), set(sequence), worlds)
    check_premium(premium_as_the_user_sees_it(user, resource_id, time_machine), world)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@settings(max_examples=40, **COMMON)
@given(steps=steps_with_bursts())
@example(steps=[("checkout",), ("payment_failed",) * 4, ("renewal_paid", "refunded", "refunded")])
@example(steps=[("refunded", "renewal_paid"), ("confirm", "checkout", "checkout"), ("dispute_opened", "renewal_paid")])
def test_concurrent_replays_end_in_a_state_some_serial_order_explains(fake_stripe, user, time_machine, steps):
    resource_id = start_example(fake_stripe, user, time_machine)

    responses = [tuple(sorted(post_at_once(step, user) if len(step) > 1 else [post(step[0], user)])) for step in steps]
    responses.append(stripe_retries_failed_events(user))

    worlds = replay_in_oracle(steps)
    world = check_invariants(observed(responses), {name for step in steps for name in step}, worlds)
    check_premium(premium_as_the_user_sees_it(user, resource_id, time_machine), world)
