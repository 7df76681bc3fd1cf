"""Billing mails, sent by the outbox worker after the billing change committed; each once per event."""

import datetime

from django.conf import settings
from django.contrib.auth import get_user_model

from core.models import OutboxEvent
from core.outbox import handles, send_once_per_event
from core.services.email_service import send_email
from monetization import events


def _recipient(event: OutboxEvent) -> str | None:
    return get_user_model().objects.filter(pk=event.payload.get("user_id")).values_list("email", flat=True).first()


def _money(payload: dict) -> str:
    return f"{payload.get('amount_cents', 0) / 100:.2f} {payload.get('currency', '')}".strip()


def _date(value: str | None) -> str:
    if not value:
        return "the end of your billing period"
    return datetime.datetime.fromisoformat(value).strftime("%d %B %Y")


def _mail(event: OutboxEvent, handler_name: str, subject: str, body: str) -> None:
    email = _recipient(event)
    if email is None:
        return  # the account is gone; nobody to tell
    send_once_per_event(event, handler_name, lambda: send_email(email, subject, body))


@handles(events.PAYMENT_COMPLETED)
def mail_receipt(event: OutboxEvent) -> None:
    amount = _money(event.payload)
    _mail(
        event,
        "monetization.mail_receipt",
        "Your Ressourcefy receipt",
        f"Thank you: we received your payment of {amount}.\n"
        f"Reference: {event.payload.get('payment_id')}\n"
        f"Your payments: {settings.FRONTEND_URL}/billing",
    )


@handles(events.SUBSCRIPTION_ACTIVATED)
def mail_premium_activated(event: OutboxEvent) -> None:
    _mail(
        event,
        "monetization.mail_premium_activated",
        "Premium is active",
        "Your premium subscription is active: every premium resource is open to you.\n"
        f"It renews on {_date(event.payload.get('ends_at'))}.\n{settings.FRONTEND_URL}",
    )


@handles(events.PAYMENT_FAILED)
def mail_payment_failed(event: OutboxEvent) -> None:
    _mail(
        event,
        "monetization.mail_payment_failed",
        "Your payment did not go through",
        f"We could not charge {_money(event.payload)} for your premium subscription. "
        "Stripe will try again; please check your card.\n"
        f"{settings.FRONTEND_URL}/billing",
    )


@handles(events.PAYMENT_REFUNDED)
def mail_refund(event: OutboxEvent) -> None:
    _mail(
        event,
        "monetization.mail_refund",
        "Your payment was refunded",
        f"We refunded your payment of {_money(event.payload)}. It reaches your card in a few days.",
    )


@handles(events.DISPUTE_OPENED)
def mail_dispute_opened(event: OutboxEvent) -> None:
    _mail(
        event,
        "monetization.mail_dispute_opened",
        "Your payment is disputed",
        f"Your bank opened a dispute on your payment of {_money(event.payload)}. Premium is closed while "
        f"it is under review; it opens again if the dispute is settled in our favour.\n{settings.FRONTEND_URL}/billing",
    )


@handles(events.DISPUTE_CLOSED)
def mail_dispute_closed(event: OutboxEvent) -> None:
    if event.payload.get("dispute_status") in ("won", "warning_closed"):
        body = "The dispute on your payment is closed in our favour: premium is open again if your period runs."
    else:
        body = "The dispute on your payment is closed and the payment was returned to you."
    _mail(event, "monetization.mail_dispute_closed", "The dispute on your payment is closed", body)


@handles(events.SUBSCRIPTION_CANCELED)
def mail_subscription_canceled(event: OutboxEvent) -> None:
    if event.payload.get("effective") == "period_end":
        body = f"Your premium subscription is canceled. Premium stays open until {_date(event.payload.get('ends_at'))}."
    else:
        body = "Your premium subscription has ended."
    _mail(event, "monetization.mail_subscription_canceled", "Your subscription is canceled", body)


@handles(events.SUBSCRIPTION_EXPIRED)
def mail_subscription_expired(event: OutboxEvent) -> None:
    _mail(
        event,
        "monetization.mail_subscription_expired",
        "Your premium access has ended",
        f"Your premium period is over. You can subscribe again at any time: {settings.FRONTEND_URL}/billing",
    )
