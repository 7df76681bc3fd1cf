"""Factories for billing rows."""

import datetime

import factory
from django.utils import timezone

from monetization.models import Payment, Subscription
from users.tests.factories import UserFactory


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    plan = Subscription.Plan.PREMIUM
    status = Subscription.Status.ACTIVE
    started_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(days=1))
    ends_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=29))
    # Paid through the period Stripe shows, as after a paid checkout or renewal.
    paid_through = factory.LazyAttribute(lambda subscription: subscription.ends_at)
    stripe_subscription_id = factory.Sequence(lambda n: f"sub_factory_{n}")


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    user = factory.SubFactory(UserFactory)
    amount_cents = 2000
    currency = "USD"
    provider_reference = factory.Sequence(lambda n: f"in_factory_{n}")
    status = Payment.Status.COMPLETED
