"""The read paths' dict bodies render exactly as the serializers that document them in the schema."""

import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from api.serializers import read_bodies
from api.serializers.interactions import CommentSerializer
from api.serializers.paging import CursorMetaSerializer, OffsetMetaSerializer
from api.serializers.resources import (
    AuthorProfileSerializer,
    FeedItemSerializer,
    ResourceDetailSerializer,
)
from core.tests.factories import TagFactory
from interactions.tests.factories import CommentFactory
from read_models.author_profile import get_author_profile
from read_models.comments import list_comments
from read_models.feed import FeedCursor, list_feed
from read_models.resource_detail import get_resource_detail
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rendered(data):
    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def resource():
    author = UserFactory(username="ada")
    resource = ResourceFactory(author=author, tags=[TagFactory(name="Rust")], description="")
    ResourceVersionFactory(resource=resource, version_number=1)
    ResourceVersionFactory(resource=resource, version_number=2, file_url=None, storage_key="hosted/key")
    ResourceFactory(author=UserFactory(), visibility="premium")  # no username: the user-… handle
    reply_to = CommentFactory(resource=resource, deleted_at=timezone.now())
    CommentFactory(resource=resource, parent=reply_to)
    return resource


def test_feed_items_and_meta_render_as_their_serializers(resource):
    first = list_feed(page_size=1)
    after = list_feed(page_size=1, cursor=FeedCursor.decode(first.meta.next_cursor))

    for page in (first, after):
        assert [rendered(read_bodies.feed_item(item)) for item in page.items] == rendered(
            FeedItemSerializer(page.items, many=True).data
        )
        assert rendered(read_bodies.feed_meta(page.meta)) == rendered(CursorMetaSerializer(page.meta).data)
    assert first.meta.next_cursor and after.meta.page is None


def test_detail_renders_as_its_serializer_with_hosted_and_external_files(resource):
    detail = get_resource_detail(resource_id=resource.pk, viewer=AnonymousUser())

    assert rendered(read_bodies.resource_detail(detail)) == rendered(ResourceDetailSerializer(detail).data)
    assert [version.file_url.startswith("/api/") for version in detail.versions] == [False, True]


@pytest.mark.parametrize("avatar_url", [None, "https://img.example.com/ada.png"])
def test_author_profile_renders_as_its_serializer(resource, avatar_url):
    resource.author.profile.avatar_url = avatar_url
    resource.author.profile.save()
    profile = get_author_profile(author_id=resource.author_id, viewer=AnonymousUser())

    assert rendered(read_bodies.author_profile(profile)) == rendered(AuthorProfileSerializer(profile).data)
    assert profile.recent_resources


def test_comments_and_meta_render_as_their_serializers_placeholders_included(resource):
    page = list_comments(resource_id=resource.pk, viewer=AnonymousUser())

    assert [rendered(read_bodies.comment(item)) for item in page.items] == rendered(
        CommentSerializer(page.items, many=True).data
    )
    assert rendered(read_bodies.comment_meta(page.meta)) == rendered(OffsetMetaSerializer(page.meta).data)
    assert [item.deleted for item in page.items] == [True, False]
