"""get_author_profile's contract: what each viewer sees counted and listed, in two queries."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from read_models.author_profile import RECENT_RESOURCES, get_author_profile
from resources.models import Resource
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def author():
    author = UserFactory(username="ada")
    now = timezone.now()
    for n, visibility in enumerate(["public"] * 6 + ["premium", "private"]):
        resource = ResourceFactory(author=author, visibility=visibility, title=f"r{n}")
        Resource.all_objects.filter(pk=resource.pk).update(created_at=now - datetime.timedelta(hours=10 - n))
    ResourceFactory(author=author).delete()
    ResourceFactory()  # someone else's
    return author


def test_a_stranger_sees_published_work_only_newest_first(author, django_assert_num_queries):
    with django_assert_num_queries(2):
        profile = get_author_profile(author_id=author.pk, viewer=AnonymousUser())
    assert (profile.username, profile.stats.total_resources) == ("ada", 7)
    assert [r.title for r in profile.recent_resources] == ["r6", "r5", "r4", "r3", "r2"]
    assert len(profile.recent_resources) == RECENT_RESOURCES


def test_the_author_also_sees_their_private_work(author):
    profile = get_author_profile(author_id=author.pk, viewer=author)
    assert profile.stats.total_resources == 8
    assert profile.recent_resources[0].title == "r7" and profile.recent_resources[0].visibility == "private"


def test_an_author_without_resources_has_a_zero_count():
    quiet = UserFactory()
    profile = get_author_profile(author_id=quiet.pk, viewer=AnonymousUser())
    assert profile.stats.total_resources == 0 and profile.recent_resources == []
    assert profile.bio == "" and profile.avatar_url is None


def test_an_unknown_or_deactivated_account_has_no_profile():
    gone = UserFactory(is_active=False)
    assert get_author_profile(author_id=gone.pk, viewer=AnonymousUser()) is None
    assert get_author_profile(author_id=UserFactory.build().pk, viewer=AnonymousUser()) is None
