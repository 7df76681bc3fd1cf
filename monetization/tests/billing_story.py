"""The fixture story's events as a test drives them: edited copies, signed and posted, at a moved clock.

Times are the fixture timeline's (see fixtures/stripe/README.md): the checkout on 2026-08-03
pays the first period (to 2026-09-03 10:00); the renewal invoice pays the second (to
2026-10-03 10:00); its first charge fails on 2026-09-03 11:00 and the retry pays on
2026-09-06 11:00.
"""

import copy
import datetime
from collections.abc import Callable

from rest_framework.test import APIClient

from monetization.tests.conftest import deliver
from monetization.tests.stripe_fixtures import INVOICE_ID, event_dict

UTC = datetime.UTC
FIRST_PERIOD = (1785751200, 1788429600)  # 2026-08-03 10:00 .. 2026-09-03 10:00
RENEWAL_PERIOD = (1788429600, 1791021600)  # 2026-09-03 10:00 .. 2026-10-03 10:00
FIRST_INVOICE_ID = "in_story_first_invoice_of_checkout"
HOUR = 3600
DAY = 24 * HOUR


def at(unix: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(unix, tz=UTC)


def stripe_event(
    name: str, user_id, *, event_id: str | None = None, created: int | None = None, edit: Callable | None = None
) -> dict:
    """A fixture event for `user_id`, optionally with a new id, `created` and edits of its object."""
    event = copy.deepcopy(event_dict(name, user_id))
    if event_id is not None:
        event["id"] = event_id
    if created is not None:
        event["created"] = created
    if edit is not None:
        edit(event["data"]["object"])
    return event


def subscription_status(status: str, *, created: int, **fields) -> Callable[[object], dict]:
    """`customer.subscription.updated` saying `status` (period: the first one unless edited)."""

    def build(user_id) -> dict:
        def edit(subscription: dict) -> None:
            subscription.update(status=status, **fields)
            item = subscription["items"]["data"][0]
            item.update(current_period_start=FIRST_PERIOD[0], current_period_end=FIRST_PERIOD[1])

        return stripe_event(
            "customer_subscription_updated", user_id, event_id=f"evt_story_{status}", created=created, edit=edit
        )

    return build


def first_invoice_paid(user_id) -> dict:
    def edit(invoice: dict) -> None:
        invoice.update(id=FIRST_INVOICE_ID, billing_reason="subscription_create", attempt_count=1)
        invoice["lines"]["data"][0]["period"] = {"start": FIRST_PERIOD[0], "end": FIRST_PERIOD[1]}

    return stripe_event("invoice_paid", user_id, event_id="evt_story_first_invoice_paid", created=1785751206, edit=edit)


def renewal_paid_again(user_id) -> dict:
    """A second event for the paid renewal invoice (e.g. `invoice.paid` sent again under a new id)."""
    return stripe_event("invoice_paid", user_id, event_id="evt_story_invoice_paid_again", created=1788900000)


def partial_refund(total_refunded: int, *, created: int) -> Callable[[object], dict]:
    """`charge.refunded` for a partial refund: Stripe's `amount_refunded` is the running total."""

    def build(user_id) -> dict:
        def edit(charge: dict) -> None:
            charge.update(amount_refunded=total_refunded, refunded=False)

        return stripe_event(
            "charge_refunded", user_id, event_id=f"evt_story_refund_{total_refunded}", created=created, edit=edit
        )

    return build


def dispute_closed(status: str, *, created: int = 1790000000) -> Callable[[object], dict]:
    def build(user_id) -> dict:
        event = stripe_event(
            "charge_dispute_created",
            user_id,
            event_id=f"evt_story_dispute_closed_{status}",
            created=created,
            edit=lambda dispute: dispute.update(status=status),
        )
        event["type"] = "charge.dispute.closed"
        return event

    return build


def post(event: dict | str, user) -> int:
    """Deliver a fixture (by file name) or an edited event, signed as Stripe signs; the HTTP status."""
    return deliver(APIClient(), event, user_id=user.pk).status_code


__all__ = ["INVOICE_ID"]
