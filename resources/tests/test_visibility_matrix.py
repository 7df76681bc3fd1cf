"""{anonymous, other user, subscriber, author} x {public, premium, private, deleted} over every read path."""

import pytest
from rest_framework.test import APIClient

from interactions.tests.factories import CommentFactory
from monetization.tests.factories import SubscriptionFactory as PremiumSubscriptionFactory
from resources.models import Visibility
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

VIEWERS = ["anonymous", "other", "subscriber", "author"]
KINDS = ["public", "premium", "private", "deleted"]


@pytest.fixture
def world():
    author = UserFactory(username="author")
    users = {"anonymous": None, "other": UserFactory(username="other"), "author": author}
    users["subscriber"] = PremiumSubscriptionFactory(user=UserFactory(username="subscriber")).user
    resources = {}
    for kind in KINDS:
        visibility = Visibility.PUBLIC if kind == "deleted" else kind
        resource = ResourceFactory(author=author, visibility=visibility, title=f"{kind} title")
        ResourceVersionFactory(resource=resource, version_number=1, file_url=f"https://files.example.com/{kind}.pdf")
        CommentFactory(resource=resource, content=f"about {kind}")
        resources[kind] = resource
    resources["deleted"].delete()
    return users, resources, author


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def get_resource_path(world, viewer: str, kind: str, path: str):
    """GET /api/resources/<the `kind` resource>/<path> as `viewer`."""
    users, resources, _ = world
    return client_for(users[viewer]).get(f"/api/resources/{resources[kind].pk}/{path}")


def assert_not_found(response) -> None:
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def sees_file(viewer: str, kind: str) -> bool:
    return (
        kind == "public"
        or (kind == "premium" and viewer in ("subscriber", "author"))
        or (kind == "private" and viewer == "author")
    )


def may_see(viewer: str, kind: str) -> bool:
    return kind in ("public", "premium") or (kind == "private" and viewer == "author")


@pytest.mark.parametrize("viewer", VIEWERS)
def test_feed_lists_public_and_premium_only_and_never_a_file(world, viewer):
    users, resources, _ = world
    response = client_for(users[viewer]).get("/api/feed/")
    listed = {item["id"] for item in response.json()["data"]}
    assert listed == {str(resources["public"].pk), str(resources["premium"].pk)}
    assert "files.example.com" not in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_detail(world, viewer, kind):
    response = get_resource_path(world, viewer, kind, "detail/")
    if not may_see(viewer, kind):
        assert_not_found(response)
        return
    assert response.status_code == 200
    file_url = response.json()["data"]["versions"][0]["file_url"]
    assert file_url == (f"https://files.example.com/{kind}.pdf" if sees_file(viewer, kind) else None)
    if not sees_file(viewer, kind):
        assert "files.example.com" not in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_access(world, viewer, kind):
    response = get_resource_path(world, viewer, kind, "access/")
    if sees_file(viewer, kind):
        assert response.status_code == 200
        assert response.json()["data"] == {"version_number": 1, "file_url": f"https://files.example.com/{kind}.pdf"}
    elif may_see(viewer, kind):
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "access_denied"
    else:
        assert_not_found(response)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_author_profile_shows_only_what_the_viewer_may_see(world, viewer):
    users, resources, author = world
    response = client_for(users[viewer]).get(f"/api/authors/{author.pk}/")
    data = response.json()["data"]
    expected = {str(resources[kind].pk) for kind in KINDS if may_see(viewer, kind)}
    assert {item["id"] for item in data["recent_resources"]} == expected
    assert data["stats"]["total_resources"] == len(expected)
    assert "files.example.com" not in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("viewer", VIEWERS)
def test_comments(world, viewer, kind):
    response = get_resource_path(world, viewer, kind, "comments/")
    if may_see(viewer, kind):
        assert response.status_code == 200
        assert [item["content"] for item in response.json()["data"]] == [f"about {kind}"]
        assert "files.example.com" not in response.content.decode()
    else:
        assert response.status_code == 404
