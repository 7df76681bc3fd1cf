"""Factories for resources; `ResourceFactory(visibility="premium", tags=[tag])` covers most needs."""

from datetime import timedelta

import factory
from django.utils import timezone

from monetization.models import Subscription
from resources.models import Resource, ResourceVersion, Visibility
from users.tests.factories import UserFactory


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Resource {n}")
    description = "A resource worth reading."
    visibility = Visibility.PUBLIC
    author = factory.SubFactory(UserFactory)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.set(extracted)


class ResourceVersionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ResourceVersion

    resource = factory.SubFactory(ResourceFactory)
    version_number = factory.Sequence(lambda n: n + 1)
    file_url = factory.LazyAttribute(
        lambda version: f"https://files.example.com/{version.resource.pk}/v{version.version_number}.pdf"
    )


class PremiumSubscriptionFactory(factory.django.DjangoModelFactory):
    """An active premium subscription for the current period."""

    class Meta:
        model = Subscription

    user = factory.SubFactory(UserFactory)
    plan = Subscription.Plan.PREMIUM
    status = Subscription.Status.ACTIVE
    started_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=3))
    ends_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=27))
