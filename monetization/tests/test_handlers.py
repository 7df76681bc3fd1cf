"""Billing mails: each billing event mails its user once, however often it is dispatched."""

import pytest
from django.core import mail
from django.db import transaction

from core.models import OutboxEvent
from core.outbox import emit_event, process_outbox
from monetization.handlers import mail_receipt

pytestmark = pytest.mark.django_db

MAILS = [
    ("billing.payment_completed", {"amount_cents": 2000, "currency": "USD"}, "receipt"),
    ("billing.subscription_activated", {"ends_at": "2026-12-23T10:00:00+00:00"}, "Premium is active"),
    ("billing.payment_failed", {"amount_cents": 2000, "currency": "USD"}, "did not go through"),
    ("billing.payment_refunded", {"amount_cents": 2000, "currency": "USD"}, "refunded"),
    ("billing.subscription_canceled", {"effective": "period_end", "ends_at": None}, "canceled"),
    ("billing.subscription_expired", {}, "ended"),
]


@pytest.mark.parametrize("event_type,payload,subject_part", MAILS)
def test_each_billing_event_mails_its_user(user, event_type, payload, subject_part):
    with transaction.atomic():
        emit_event("Payment", "x", event_type, {"user_id": str(user.pk), **payload})

    process_outbox(limit=10)

    assert OutboxEvent.objects.get().status == "COMPLETED"
    (message,) = mail.outbox
    assert message.to == [user.email]
    assert subject_part.lower() in message.subject.lower()


def test_a_redispatched_receipt_is_not_mailed_twice(user):
    with transaction.atomic():
        event = emit_event("Payment", "x", "billing.payment_completed", {"user_id": str(user.pk), "amount_cents": 1})

    mail_receipt(event)
    mail_receipt(event)

    assert len(mail.outbox) == 1
