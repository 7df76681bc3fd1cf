"""The read-path bench's own wiring: its URLs reach the naive views, its targets are what it says."""

import pytest
from django.test import override_settings
from django.urls import resolve

from bench.naive.views import CursorFeedViewSet, ResourceViewSet
from bench.read_path_targets import pick_targets
from interactions.tests.factories import CommentFactory
from resources.tests.factories import ResourceFactory, ResourceVersionFactory


@pytest.mark.parametrize(
    ("path", "viewset"),
    [("/naive/resources/", ResourceViewSet), ("/naive/feed-cursor/", CursorFeedViewSet)],
)
def test_naive_routes_come_before_the_catch_all_404(path, viewset):
    match = resolve(path, urlconf="bench.naive.urls")
    assert match.func.cls is viewset


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.naive.urls")
def test_detail_target_has_two_versions_even_when_one_version_has_many_comments():
    crowded = ResourceFactory(title="one version, many comments")
    ResourceVersionFactory(resource=crowded, version_number=1)
    CommentFactory.create_batch(3, resource=crowded)
    versioned = ResourceFactory(title="two versions")
    ResourceVersionFactory(resource=versioned, version_number=1)
    ResourceVersionFactory(resource=versioned, version_number=2)
    CommentFactory(resource=versioned)
    # The crowded one is newer, so without distinct its 3 comment rows would count as 3 versions.
    crowded.created_at = versioned.created_at.replace(year=versioned.created_at.year + 1)
    crowded.save(update_fields=["created_at"])

    assert pick_targets()["resource_id"] == str(versioned.pk)
