import pytest

from core.tests.factories import TagFactory
from interactions.tests.factories import CommentFactory
from monetization.tests.factories import SubscriptionFactory as PremiumSubscriptionFactory
from read_models.resource_detail import get_resource_detail
from resources.models import Visibility
from resources.tests.factories import ResourceFactory, ResourceVersionFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def rich_resource(*, versions: int, tags: int, visibility=Visibility.PUBLIC):
    resource = ResourceFactory(
        visibility=visibility,
        author=UserFactory(username="linus"),
        tags=[TagFactory(name=f"Tag {i}", slug=f"tag-{i}") for i in range(tags)],
    )
    for number in range(1, versions + 1):
        ResourceVersionFactory(resource=resource, version_number=number)
    CommentFactory.create_batch(3, resource=resource)
    return resource


@pytest.mark.parametrize(("versions", "tags"), [(1, 1), (12, 8)])
def test_anonymous_detail_costs_three_queries(api_client, django_assert_num_queries, versions, tags):
    resource = rich_resource(versions=versions, tags=tags, visibility=Visibility.PREMIUM)
    with django_assert_num_queries(3):
        response = api_client.get(f"/api/resources/{resource.pk}/detail/")
    assert len(response.json()["data"]["versions"]) == versions


def test_signed_in_viewer_of_premium_costs_one_more_query(api_client, django_assert_num_queries):
    resource = rich_resource(versions=5, tags=3, visibility=Visibility.PREMIUM)
    subscriber = PremiumSubscriptionFactory().user
    api_client.force_authenticate(subscriber)
    with django_assert_num_queries(4):
        response = api_client.get(f"/api/resources/{resource.pk}/detail/")
    assert all(version["file_url"] for version in response.json()["data"]["versions"])


def test_detail_has_the_contract_fields(api_client):
    resource = rich_resource(versions=2, tags=2)
    data = api_client.get(f"/api/resources/{resource.pk}/detail/").json()["data"]
    assert data == {
        "id": str(resource.pk),
        "title": resource.title,
        "description": resource.description,
        "visibility": "public",
        "author": {"id": str(resource.author_id), "username": "linus"},
        "tags": ["Tag 0", "Tag 1"],
        "versions": [
            {"version_number": 1, "file_url": f"https://files.example.com/{resource.pk}/v1.pdf"},
            {"version_number": 2, "file_url": f"https://files.example.com/{resource.pk}/v2.pdf"},
        ],
        "stats": {"comment_count": 3},
    }


def test_expired_subscription_does_not_open_premium_files():
    resource = rich_resource(versions=1, tags=0, visibility=Visibility.PREMIUM)
    lapsed = PremiumSubscriptionFactory(status="EXPIRED").user
    detail = get_resource_detail(resource_id=resource.pk, viewer=lapsed)
    assert detail.versions[0].file_url is None


def test_unknown_resource_is_404(api_client):
    response = api_client.get("/api/resources/00000000-0000-0000-0000-000000000000/detail/")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
