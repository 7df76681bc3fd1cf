"""Reconciliation in the chaos replay: the story delivered out of order with one event missing.

Hypothesis draws a shuffled subset of the fixture story (`test_chaos_replay`), posts it through
the webhook endpoint without one of its events, then runs `reconcile_stripe` while the Stripe
simulator lists the whole subset and holds the subscription as the newest subscription event
left it. The database must then be what the chaos oracle, grown by the reconciliation's rules
(`ReconcilingOracle`), predicts for that delivery order followed by the run; and at every
clock point the user sees the premium the access rule gives the modelled subscription.
"""

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from application.dto.billing import ReconcileStripeCommand
from application.use_cases.reconcile_stripe import MAX_WINDOW_HOURS, reconcile_stripe
from audit.models import AuditLog
from monetization.models import Subscription, WebhookEvent
from monetization.tests.stripe_fixtures import SESSION_ID
from monetization.tests.test_chaos_replay import (
    ACTIVE,
    AT_CHECKOUT,
    CANCELED,
    COMMON,
    COMPLETED,
    EVENTS,
    FIRST_PERIOD,
    IGNORED,
    PROCESSED,
    SAYS,
    SETTLED_BY_PAYMENT,
    Oracle,
    _explain,
    check_premium,
    observed,
    post,
    premium_as_the_user_sees_it,
    shuffled_with_duplicates,
    start_example,
)

WINDOW_SECONDS = MAX_WINDOW_HOURS * 3600  # Stripe lists the last 30 days
RUN_AFTER_NEWEST = 3600  # the run comes an hour after the newest event


def created(name: str) -> int:
    return EVENTS[name].created


def run_at(names: set[str]) -> int:
    return max(created(name) for name in names if name != "confirm") + RUN_AFTER_NEWEST


def listed_by_stripe(names: set[str]) -> list[str]:
    """The webhook events of the story Stripe still lists when the run comes, oldest first."""
    since = run_at(names) - WINDOW_SECONDS
    return sorted((name for name in names if name != "confirm" and created(name) >= since), key=created)


def stripe_holds(names: set[str]) -> str | None:
    """The subscription event whose object Stripe holds now: the newest one (None: as at the checkout)."""
    found = [name for name in names if name in SAYS]
    return max(found, key=created) if found else None


class ReconcilingOracle(Oracle):
    """The chaos oracle plus what a reconciliation does (`reconcile`):

    - Each event Stripe lists that is not PROCESSED or IGNORED yet is delivered, oldest first,
      through the same rules as a webhook. A checkout fulfilled so reads Stripe's subscription
      as it is at the run, not at the checkout: its status (PAST_DUE and UNPAID count as ACTIVE,
      the session is paid), period and cancellation, and the checkout's Payment pays the first
      period only if Stripe is still in it.
    - Then, unless Stripe ended the subscription in our records, ours takes Stripe's current
      state where it differs (`repaired`), audited; `last_event` stays (no event was applied),
      and a change to canceled or to cancel-at-period-end is announced as its event would be.
    """

    def __init__(self) -> None:
        super().__init__()
        self.stripe_now = AT_CHECKOUT
        self.repaired: tuple[str, str] | None = None  # the status before and after a repair

    def reconcile(self, listed: list[str], stripe_now: dict) -> int:
        """Returns how many events were applied."""
        self.stripe_now = stripe_now
        missing = [name for name in listed if self.webhooks.get(EVENTS[name].event_id) not in (PROCESSED, IGNORED)]
        for name in missing:
            self.deliver(name)
        self._repair()
        return len(missing)

    def _fulfil(self, name: str, stamp: int) -> str:
        if self.record == COMPLETED or self.stripe_now is AT_CHECKOUT:
            return super()._fulfil(name, stamp)
        super()._fulfil(name, stamp)
        sub = self.subscription
        sub.update(self.stripe_now, paid_through=None, revoked=False)
        if sub["status"] in SETTLED_BY_PAYMENT:
            sub["status"] = ACTIVE
        still_first = self.stripe_now["period_start"] == FIRST_PERIOD[0]
        self.payments[SESSION_ID]["period_end"] = self.stripe_now["ends_at"] if still_first else None
        self._refresh_paid_through()
        return PROCESSED

    def _repair(self) -> None:
        sub = self.subscription
        if sub is None or (sub["status"] == CANCELED and sub["ended_at"] is not None):
            return
        if all(sub[field] == value for field, value in self.stripe_now.items()):
            return
        was_canceled, was_cancel_at_period_end = sub["status"] == CANCELED, sub["cancel_at_period_end"]
        self.repaired = (sub["status"], self.stripe_now["status"])
        sub.update(self.stripe_now)
        if sub["status"] == CANCELED and not was_canceled:
            self.outbox.append(("subscription", "billing.subscription_canceled", "now"))
        elif sub["cancel_at_period_end"] and not was_cancel_at_period_end:
            self.outbox.append(("subscription", "billing.subscription_canceled", "period_end"))


@st.composite
def delivered_with_one_missing(draw) -> tuple[list[str], str]:
    """A shuffled subset of the story with redeliveries, and the one webhook event never delivered
    (one Stripe still lists when the run comes)."""
    # With neither the checkout nor the success page nothing is ever known of the subscription.
    sequence = draw(shuffled_with_duplicates().filter(lambda names: {"checkout", "confirm"} & set(names)))
    missing = draw(st.sampled_from(listed_by_stripe(set(sequence))))
    return [name for name in sequence if name != missing], missing


def stripe_lists(fake_stripe, names: set[str], user) -> None:
    """The simulator holds the story's events and the subscription as the newest one left it."""
    webhook_names = sorted(names - {"confirm"}, key=created)
    fake_stripe.events[:] = [json.loads(EVENTS[name].body(user.pk)) for name in webhook_names]
    holder = stripe_holds(names)
    if holder is not None:
        fake_stripe.add_subscription(json.loads(EVENTS[holder].body(user.pk))["data"]["object"])


@pytest.mark.django_db
@settings(max_examples=50, **COMMON)
@given(drawn=delivered_with_one_missing())
@example(drawn=(["trialing", "first_invoice_paid"], "checkout"))  # the purchase's own event missed
@example(drawn=(["checkout", "renewal_paid", "cancel_requested"], "deleted"))  # the deletion lost
@example(drawn=(["checkout", "payment_failed", "refunded"], "renewal_paid"))  # a parked refund waits for it
@example(drawn=(["cancel_requested", "checkout"], "payment_failed"))  # ours drifted: Stripe's state wins
@example(drawn=(["past_due", "checkout", "unpaid", "confirm"], "active_again"))  # the missed one is stale
def test_reconcile_fills_the_gap_and_the_state_is_the_oracles(fake_stripe, user, time_machine, drawn):
    delivered, missing = drawn
    everything = {*delivered, missing}
    resource_id = start_example(fake_stripe, user, time_machine)
    responses = [(post(name, user),) for name in delivered]
    assert all(code == 200 for (code,) in responses)
    oracle = ReconcilingOracle()
    oracle.responses = [(oracle.deliver(name),) for name in delivered]

    stripe_lists(fake_stripe, everything, user)
    holder = stripe_holds(everything)
    time_machine.move_to(run_at(everything), tick=False)
    audited = list(AuditLog.objects.values_list("pk", flat=True))
    report = reconcile_stripe(ReconcileStripeCommand(since_hours=MAX_WINDOW_HOURS))

    applied = oracle.reconcile(listed_by_stripe(everything), SAYS[holder] if holder else AT_CHECKOUT)
    assert report.ok, report
    assert (report.events_fetched, report.events_new) == (len(listed_by_stripe(everything)), applied)
    actual = observed(responses)
    assert actual == oracle.observable(), _explain(actual, [oracle])
    assert WebhookEvent.objects.get(stripe_id=EVENTS[missing].event_id).source == WebhookEvent.Source.RECONCILE
    assert report.subscriptions_repaired == int(oracle.repaired is not None)
    if oracle.repaired:
        rows = AuditLog.objects.filter(object_id=str(Subscription.objects.get().pk)).exclude(pk__in=audited)
        assert oracle.repaired in [((row.before_state or {}).get("status"), row.after_state["status"]) for row in rows]
    check_premium(premium_as_the_user_sees_it(user, resource_id, time_machine), oracle)
