"""Factories for comments and votes."""

import factory

from interactions.models import Comment, CommentVote
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    resource = factory.SubFactory(ResourceFactory)
    author = factory.SubFactory(UserFactory)
    content = factory.Sequence(lambda n: f"Comment number {n}.")


class CommentVoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommentVote

    comment = factory.SubFactory(CommentFactory)
    user = factory.SubFactory(UserFactory)
    value = 1
