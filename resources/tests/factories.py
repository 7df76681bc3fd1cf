"""Factories for resources; `ResourceFactory(visibility="premium", tags=[tag])` covers most needs."""

import factory

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
