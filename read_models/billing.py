"""Billing reads: the user's plan and payments, each in one query."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from monetization.models import Payment, Subscription
from monetization.services.subscriptions import pick_current
from monetization.summaries import SubscriptionSummary, summarize
from read_models.paging import DEFAULT_PAGE_SIZE, Page, offset_page, offset_window


@dataclass(frozen=True, kw_only=True)
class PaymentView:
    id: str
    amount_cents: int
    currency: str
    status: str
    created_at: datetime.datetime


PaymentsPage = Page[PaymentView]


def get_subscription(*, user) -> SubscriptionSummary:
    """One query; a user who never subscribed is on the FREE plan with no status.

    `access_until` / `has_premium` come from `monetization.access`, the rule every policy uses.
    """
    rows = list(
        Subscription.objects.filter(user=user).only(
            "plan",
            "status",
            "started_at",
            "ends_at",
            "cancel_at_period_end",
            "created_at",
            "paid_through",
            "paid_period_revoked",
            "trial_end",
            "ended_at",
        )
    )
    now = timezone.now()
    return summarize(pick_current(rows, now), now)


def list_payments(*, user, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> PaymentsPage:
    """Newest first; one query."""
    rows = list(
        Payment.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values("id", "amount_cents", "currency", "status", "created_at")[offset_window(page, page_size)]
    )
    return offset_page(rows, page=page, page_size=page_size, item=_payment)


def _payment(row: dict) -> PaymentView:
    return PaymentView(
        id=str(row["id"]),
        amount_cents=row["amount_cents"],
        currency=row["currency"],
        status=row["status"],
        created_at=row["created_at"],
    )
