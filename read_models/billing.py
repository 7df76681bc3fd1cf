"""Billing reads: the user's plan and payments, each in one query."""

import datetime
from dataclasses import dataclass

from django.utils import timezone

from monetization.models import Payment, Subscription
from monetization.services.subscriptions import pick_current
from monetization.summaries import SubscriptionSummary, summarize

MAX_PAGE_SIZE = 100


@dataclass(frozen=True, kw_only=True)
class PaymentView:
    id: str
    amount_cents: int
    currency: str
    status: str
    created_at: datetime.datetime


@dataclass(frozen=True, kw_only=True)
class PaymentsPage:
    items: list[PaymentView]
    page: int
    page_size: int
    has_next: bool


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


def list_payments(*, user, page: int = 1, page_size: int = 20) -> PaymentsPage:
    """Newest first; one query (one extra row tells whether a next page exists)."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    start = (page - 1) * page_size
    rows = list(
        Payment.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values("id", "amount_cents", "currency", "status", "created_at")[start : start + page_size + 1]
    )
    items = [
        PaymentView(
            id=str(row["id"]),
            amount_cents=row["amount_cents"],
            currency=row["currency"],
            status=row["status"],
            created_at=row["created_at"],
        )
        for row in rows[:page_size]
    ]
    return PaymentsPage(items=items, page=page, page_size=page_size, has_next=len(rows) > page_size)
