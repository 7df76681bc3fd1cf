"""Stripe chaos replay: the fixture story's events in random order, duplicated and concurrent.

Hypothesis draws sequences of the events one customer's subscription produces (checkout,
first and renewal invoice paid, payment failed, subscription updated three ways, refund,
deletion), posts each one signed exactly as Stripe signs through `POST /api/billing/webhook/`,
and then Stripe's retry: every event answered 500 is delivered once more. The database must
then equal what a small explicit model of the billing rules (`Oracle`) predicts:

- one WebhookEvent per event id delivered, none left PENDING, each with the predicted status;
- one Payment per paid Stripe object (the checkout and its first invoice are one), money
  counted once: COMPLETED + REFUNDED amounts = 2000 per paid object applied;
- the subscription as the newest applied event says (an older event never overwrites it,
  nothing revives a subscription Stripe ended, events before the checkout are ignored);
- one outbox event per state change (never a second `billing.*` for the same change);
- a refund moves the renewal payment to REFUNDED once, with one `billing.payment_refunded`.

The concurrent variant (PostgreSQL) delivers some steps from several threads at once; the
oracle then accepts the outcome of any serial order of that step's deliveries.
"""

import copy
import datetime
import itertools
import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from core.models import OutboxEvent
from monetization.models import Payment, PaymentIntentRecord, StripeCustomer, Subscription, WebhookEvent
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

# --- the events ------------------------------------------------------------------------

FIRST_INVOICE_ID = "in_chaos_first_invoice_of_checkout"
FIRST_PERIOD = (1785751200, 1788429600)  # 2026-08-03 .. 2026-09-03, what Stripe holds at checkout
RENEWAL_PERIOD = (1788429600, 1791021600)  # 2026-09-03 .. 2026-10-03
CANCEL_REQUESTED_AT = 1789293600
AMOUNT = 2000


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
}
NAMES = sorted(EVENTS)

# --- the oracle ------------------------------------------------------------------------

PROCESSED, IGNORED, FAILED = "PROCESSED", "IGNORED", "FAILED"
ACTIVE, PAST_DUE, CANCELED = "ACTIVE", "PAST_DUE", "CANCELED"
COMPLETED, REFUNDED = "COMPLETED", "REFUNDED"

# What each subscription event says about the subscription (Stripe's object, in our terms).
SAYS = {
    "past_due": {
        "status": PAST_DUE,
        "period_start": RENEWAL_PERIOD[0],
        "ends_at": RENEWAL_PERIOD[1],
        "canceled_at": None,
        "ended_at": None,
        "cancel_at_period_end": False,
    },
    "active_again": {
        "status": ACTIVE,
        "period_start": RENEWAL_PERIOD[0],
        "ends_at": RENEWAL_PERIOD[1],
        "canceled_at": None,
        "ended_at": None,
        "cancel_at_period_end": False,
    },
    "cancel_requested": {
        "status": ACTIVE,
        "period_start": RENEWAL_PERIOD[0],
        "ends_at": RENEWAL_PERIOD[1],
        "canceled_at": CANCEL_REQUESTED_AT,
        "ended_at": None,
        "cancel_at_period_end": True,
    },
    "deleted": {
        "status": CANCELED,
        "period_start": RENEWAL_PERIOD[0],
        "ends_at": RENEWAL_PERIOD[1],  # = ended_at
        "canceled_at": CANCEL_REQUESTED_AT,
        "ended_at": RENEWAL_PERIOD[1],
        "cancel_at_period_end": True,
    },
}
# The status each event implies for the subscription when it applies to it.
IMPLIES = {
    "checkout": ACTIVE,
    "first_invoice_paid": ACTIVE,
    "renewal_paid": ACTIVE,
    "payment_failed": PAST_DUE,
    **{name: says["status"] for name, says in SAYS.items()},
}


class Oracle:
    """The billing rules as a model of values, one delivery at a time.

    - Nothing is known of the subscription until the checkout is fulfilled: every event
      about it before that is recorded and IGNORED (and stays so: a redelivery is a duplicate).
    - An event older (Stripe `created`) than the newest one applied changes no subscription
      field; once Stripe deleted the subscription nothing revives it. Invoices still record
      their Payment.
    - Payments: the checkout's money is one Payment (its first invoice links to it, never a
      second one); the renewal invoice is one Payment, FAILED then COMPLETED; only a
      COMPLETED payment can be refunded: a refund of the renewal invoice's charge that comes
      before its `invoice.paid` (no Payment, or a FAILED one) is 500 so Stripe retries it.
    - A payment failure of an invoice already paid (even refunded since) changes nothing.
    - Outbox: one event per state change of a Payment or the Subscription.
    """

    def __init__(self) -> None:
        self.record = "CREATED"
        self.subscription: dict | None = None
        self.payments: dict[str, dict] = {}  # provider_reference -> invoice, amount, status
        self.outbox: list[tuple] = []  # (aggregate, event type, effective)
        self.webhooks: dict[str, str] = {}  # event id -> status
        self.applied: list[str] = []  # events that changed the subscription, in order
        self.responses: list[tuple] = []

    # delivery ---------------------------------------------------------------------------
    def deliver(self, name: str) -> int:
        event = EVENTS[name]
        if self.webhooks.get(event.event_id) in (PROCESSED, IGNORED):
            return 200  # a duplicate: answered, nothing done
        outcome = getattr(self, f"_{name}")(event)
        self.webhooks[event.event_id] = outcome
        return 500 if outcome == FAILED else 200

    def failed_events(self) -> list[str]:
        return [name for name in NAMES if self.webhooks.get(EVENTS[name].event_id) == FAILED]

    def observable(self) -> dict:
        return {
            "record": self.record,
            "subscription": dict(self.subscription) if self.subscription else None,
            "payments": sorted((ref, p["invoice"], p["amount"], p["status"]) for ref, p in self.payments.items()),
            "outbox": sorted(self.outbox, key=repr),
            "webhooks": sorted(self.webhooks.items()),
            "responses": list(self.responses),
        }

    def key(self) -> str:
        return repr((self.observable(), self.applied))

    # rules ------------------------------------------------------------------------------
    def _may_change_subscription(self, event: StripeEvent) -> bool:
        sub = self.subscription
        ended = sub["status"] == CANCELED and sub["ended_at"] is not None
        return event.created >= sub["last_event"] and not ended

    def _applied(self, name: str, event: StripeEvent) -> None:
        self.subscription["last_event"] = max(self.subscription["last_event"], event.created)
        self.applied.append(name)

    def _payment_for_invoice(self, invoice_id: str) -> tuple[str, dict] | tuple[None, None]:
        for ref, payment in self.payments.items():
            if payment["invoice"] == invoice_id:
                return ref, payment
        return None, None

    def _checkout(self, event: StripeEvent) -> str:
        if self.record == COMPLETED:
            return PROCESSED  # fulfilled already (by this event or the success page)
        self.record = COMPLETED
        self.subscription = {
            "plan": "PREMIUM",
            "status": ACTIVE,
            "period_start": FIRST_PERIOD[0],
            "ends_at": FIRST_PERIOD[1],
            "canceled_at": None,
            "ended_at": None,
            "cancel_at_period_end": False,
            "last_event": event.created,
        }
        self.applied.append("checkout")
        self.payments[SESSION_ID] = {"invoice": "", "amount": AMOUNT, "status": COMPLETED}
        self.outbox += [
            (f"payment:{SESSION_ID}", "billing.payment_completed", None),
            ("subscription", "billing.subscription_activated", None),
        ]
        return PROCESSED

    def _invoice_paid(self, name: str, event: StripeEvent, invoice_id: str, period_end: int, first: bool) -> str:
        if self.subscription is None:
            return IGNORED
        ref, payment = self._payment_for_invoice(invoice_id)
        if payment is None and first:
            # The first invoice of a checkout is the checkout's money: link, never count twice.
            ref, payment = self._payment_for_invoice("")
        if payment is None:
            self.payments[invoice_id] = {"invoice": invoice_id, "amount": AMOUNT, "status": COMPLETED}
            self.outbox.append((f"payment:{invoice_id}", "billing.payment_completed", None))
        else:
            payment["invoice"] = payment["invoice"] or invoice_id
            if payment["status"] != COMPLETED:
                payment["status"] = COMPLETED
                self.outbox.append((f"payment:{ref}", "billing.payment_completed", None))
        if self._may_change_subscription(event):
            sub = self.subscription
            sub.update(plan="PREMIUM", status=ACTIVE, ends_at=max(sub["ends_at"], period_end))
            self._applied(name, event)
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
            self.payments[ref] = {"invoice": INVOICE_ID, "amount": AMOUNT, "status": FAILED}
        if self._may_change_subscription(event):
            if self.subscription["status"] == ACTIVE:
                self.subscription["status"] = PAST_DUE
            self._applied("payment_failed", event)
        self.outbox.append((f"payment:{ref}", "billing.payment_failed", None))
        return PROCESSED

    def _sync(self, name: str, event: StripeEvent) -> str:
        sub = self.subscription
        if sub is None or not self._may_change_subscription(event):
            return IGNORED
        was_canceled, was_cancel_at_period_end = sub["status"] == CANCELED, sub["cancel_at_period_end"]
        sub.update(SAYS[name])
        self._applied(name, event)
        if sub["status"] == CANCELED and not was_canceled:
            self.outbox.append(("subscription", "billing.subscription_canceled", "now"))
        elif sub["cancel_at_period_end"] and not was_cancel_at_period_end:
            self.outbox.append(("subscription", "billing.subscription_canceled", "period_end"))
        return PROCESSED

    def _past_due(self, event: StripeEvent) -> str:
        return self._sync("past_due", event)

    def _active_again(self, event: StripeEvent) -> str:
        return self._sync("active_again", event)

    def _cancel_requested(self, event: StripeEvent) -> str:
        return self._sync("cancel_requested", event)

    def _deleted(self, event: StripeEvent) -> str:
        return self._sync("deleted", event)

    def _refunded(self, event: StripeEvent) -> str:
        # Stripe says (GET /v1/invoice_payments) the refunded charge paid the renewal invoice.
        ref, payment = self._payment_for_invoice(INVOICE_ID)
        if payment is None or payment["status"] == FAILED:
            return FAILED  # the invoice is not paid here yet: 500, Stripe retries
        if payment["status"] == REFUNDED:
            return IGNORED
        payment["status"] = REFUNDED
        self.outbox.append((f"payment:{ref}", "billing.payment_refunded", None))
        return PROCESSED


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
        outbox.append((aggregate, event.event_type, event.payload.get("effective")))
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
        }
        if sub
        else None,
        "payments": sorted((p.provider_reference, p.stripe_invoice_id, p.amount_cents, p.status) for p in payments),
        "outbox": sorted(outbox, key=repr),
        "webhooks": sorted(WebhookEvent.objects.values_list("stripe_id", "status")),
        "responses": list(responses),
    }


def start_example(fake_stripe, user) -> None:
    """A clean slate per example: no billing rows, our checkout record, Stripe's subscription."""
    for model in (OutboxEvent, WebhookEvent, Payment, Subscription, PaymentIntentRecord, StripeCustomer):
        model.objects.all().delete()
    PaymentIntentRecord.objects.create(user=user, stripe_session_id=SESSION_ID)
    fake_stripe.add_subscription(live_subscription(period_start=FIRST_PERIOD[0], period_end=FIRST_PERIOD[1]))
    fake_stripe.state.invoice_payments[PAYMENT_INTENT_ID] = INVOICE_ID


def post(name: str, user) -> int:
    return signed_post(APIClient(), EVENTS[name].body(user.pk)).status_code


def post_at_once(names: tuple[str, ...], user) -> list[int]:
    """Each delivery from its own thread, released together; each thread closes its connection."""
    start = threading.Barrier(len(names))
    codes: list = [None] * len(names)

    def run(index: int) -> None:
        try:
            start.wait(timeout=30)
            codes[index] = post(names[index], user)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(names))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return codes


def stripe_retries_failed_events(user) -> tuple:
    """Stripe redelivers what was answered 500 (once here, after the sequence)."""
    failed = set(WebhookEvent.objects.filter(status="FAILED").values_list("stripe_id", flat=True))
    return tuple(sorted(post(name, user) for name in NAMES if EVENTS[name].event_id in failed))


def check_invariants(actual: dict, delivered: set[str], worlds: list[Oracle]) -> None:
    # WebhookEvent: exactly one row per event id delivered, none PENDING.
    stripe_ids = [stripe_id for stripe_id, _ in actual["webhooks"]]
    assert sorted(stripe_ids) == sorted({EVENTS[name].event_id for name in delivered})
    assert all(status != "PENDING" for _, status in actual["webhooks"])

    # One Payment per Stripe payment object; money counted once.
    payments = actual["payments"]
    assert len({ref for ref, *_ in payments}) == len(payments)
    assert len({invoice for _, invoice, *_ in payments if invoice}) == len([p for p in payments if p[1]])
    paid_objects = {"checkout"} if actual["record"] == COMPLETED else set()
    if any(invoice == INVOICE_ID and status in (COMPLETED, REFUNDED) for _, invoice, _, status in payments):
        paid_objects.add("renewal invoice")
    assert sum(amount for *_, amount, status in payments if status in (COMPLETED, REFUNDED)) == AMOUNT * len(
        paid_objects
    )

    # Once per state change: no outbox event twice for the same aggregate and change.
    repeated = [key for key, count in Counter(actual["outbox"]).items() if count > 1]
    assert repeated == []
    refunded = [p for p in payments if p[3] == REFUNDED]
    assert len(refunded) <= 1
    assert [o for o in actual["outbox"] if o[1] == "billing.payment_refunded"] == [
        (f"payment:{ref}", "billing.payment_refunded", None) for ref, *_ in refunded
    ]

    # The whole state is one the model predicts for some serial order of the concurrent steps.
    matching = [world for world in worlds if world.observable() == actual]
    assert matching, _explain(actual, worlds)

    # The subscription says what the newest applied event implies (and nothing older won).
    world = matching[0]
    if world.applied:
        newest = max(world.applied, key=lambda name: EVENTS[name].created)
        assert actual["subscription"]["status"] == IMPLIES[newest]
        assert actual["subscription"]["last_event"] == EVENTS[newest].created


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
def test_replayed_sequences_end_in_the_state_the_model_predicts(fake_stripe, user, sequence):
    start_example(fake_stripe, user)

    responses = [(post(name, user),) for name in sequence]
    responses.append(stripe_retries_failed_events(user))

    worlds = replay_in_oracle([(name,) for name in sequence])
    check_invariants(observed(responses), set(sequence), worlds)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@settings(max_examples=40, **COMMON)
@given(steps=steps_with_bursts())
@example(steps=[("checkout",), ("payment_failed",) * 4, ("renewal_paid", "refunded", "refunded")])
def test_concurrent_replays_end_in_a_state_some_serial_order_explains(fake_stripe, user, steps):
    start_example(fake_stripe, user)

    responses = [tuple(sorted(post_at_once(step, user) if len(step) > 1 else [post(step[0], user)])) for step in steps]
    responses.append(stripe_retries_failed_events(user))

    worlds = replay_in_oracle(steps)
    check_invariants(observed(responses), {name for step in steps for name in step}, worlds)
