"""Factories for the rows data-quality checks look at (local to operations' tests)."""

import uuid
from datetime import timedelta

import factory
from django.utils import timezone

from core.models import OutboxEvent
from monetization.models import Payment, PaymentIntentRecord, Subscription, WebhookEvent
from resources.models import Resource, ResourceVersion
from users.tests.factories import UserFactory


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    plan = Subscription.Plan.PREMIUM
    status = Subscription.Status.ACTIVE
    started_at = factory.LazyFunction(timezone.now)
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=30))
    stripe_subscription_id = factory.Sequence(lambda n: f"sub_{n}")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    user = factory.SubFactory(UserFactory)
    amount_cents = 900
    currency = "USD"
    provider_reference = factory.Sequence(lambda n: f"pi_{n}")
    status = Payment.Status.COMPLETED


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


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    title = factory.Sequence(lambda n: f"Resource {n}")
    author = factory.SubFactory(UserFactory)


class ResourceVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceVersion

    resource = factory.SubFactory(ResourceFactory)
    version_number = 1
    file_url = factory.Sequence(lambda n: f"https://files.example.com/{n}.pdf")
