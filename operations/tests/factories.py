"""Factories for the rows data-quality checks look at (local to operations' tests)."""

import uuid

import factory

from core.models import OutboxEvent
from monetization.models import PaymentIntentRecord, WebhookEvent
from users.tests.factories import UserFactory


class PaymentIntentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentIntentRecord

    user = factory.SubFactory(UserFactory)
    stripe_session_id = factory.Sequence(lambda n: f"cs_test_{n}")
    stripe_price_id = "price_premium_monthly"


class WebhookEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEvent

    stripe_id = factory.Sequence(lambda n: f"evt_{n}")
    event_type = "checkout.session.completed"
    payload = factory.LazyFunction(dict)
    status = WebhookEvent.Status.PROCESSED


class OutboxEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboxEvent

    aggregate_type = "TEST"
    aggregate_id = factory.LazyFunction(lambda: str(uuid.uuid4()))
    event_type = "user.registered"
