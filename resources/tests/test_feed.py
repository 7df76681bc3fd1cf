import base64
import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from core.tests.factories import TagFactory
from interactions.tests.factories import CommentFactory
from resources.models import Resource, Visibility
from resources.tests.factories import ResourceFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FEED = "/api/feed/"


def make_feed(count: int, *, author=None, tags=()) -> list[Resource]:
    """`count` published resources, oldest first, each with the given tags and one comment."""
    author = author or UserFactory(username="grace")
    resources = [ResourceFactory(author=author, tags=list(tags)) for _ in range(count)]
    for resource in resources:
        CommentFactory(resource=resource)
    return resources


def bulk_feed(count: int, *, same_instant_every: int = 1) -> list[Resource]:
    """`count` resources inserted in one statement; every `same_instant_every` share a created_at."""
    author = UserFactory(username="bulk")
    rows = Resource.objects.bulk_create(
        [Resource(title=f"bulk {i}", author=author, visibility=Visibility.PUBLIC) for i in range(count)]
    )
    start = timezone.now() - timedelta(days=1)
    for index, resource in enumerate(rows):
        instant = start + timedelta(seconds=index // same_instant_every)
        Resource.objects.filter(pk=resource.pk).update(created_at=instant)
    return rows


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_feed_costs_two_queries_whatever_the_page_size(api_client, django_assert_num_queries, page_size):
    tags = [TagFactory(name="Python", slug="python"), TagFactory(name="Django", slug="django")]
    make_feed(101, tags=tags)
    with django_assert_num_queries(2):
        response = api_client.get(FEED, {"page_size": page_size})
    assert response.status_code == 200
    assert len(response.json()["data"]) == page_size


def test_feed_item_has_the_contract_fields(api_client):
    tag = TagFactory(name="Python", slug="python")
    author = UserFactory(username="ada")
    resource = ResourceFactory(author=author, title="Decorators", visibility=Visibility.PREMIUM, tags=[tag])
    CommentFactory.create_batch(2, resource=resource)
    CommentFactory(resource=resource).delete()

    body = api_client.get(FEED).json()

    assert body["status"] == "ok"
    assert body["data"] == [
        {
            "id": str(resource.pk),
            "title": "Decorators",
            "author_name": "ada",
            "tags": ["Python"],
            "visibility": "premium",
            "created_at": resource.created_at.isoformat().replace("+00:00", "Z"),
            "stats": {"comment_count": 2},
        }
    ]
    assert body["meta"] == {"page": 1, "page_size": 20, "has_next": False, "next_cursor": None}


def test_author_without_username_is_named_without_the_email(api_client):
    author = UserFactory(email="secret.person@example.com")
    ResourceFactory(author=author)
    item = api_client.get(FEED).json()["data"][0]
    assert item["author_name"] and "secret" not in item["author_name"] and "@" not in item["author_name"]


def test_feed_is_newest_first_and_never_lists_private_or_deleted(api_client):
    older = ResourceFactory(title="older")
    ResourceFactory(title="hidden", visibility=Visibility.PRIVATE)
    ResourceFactory(title="gone").delete()
    newer = ResourceFactory(title="newer", visibility=Visibility.PREMIUM)
    titles = [item["title"] for item in api_client.get(FEED).json()["data"]]
    assert titles == [newer.title, older.title]


def test_offset_pages_report_has_next_and_a_cursor(api_client):
    bulk_feed(5)
    first = api_client.get(FEED, {"page": 1, "page_size": 2}).json()
    last = api_client.get(FEED, {"page": 3, "page_size": 2}).json()
    assert first["meta"]["has_next"] is True and first["meta"]["next_cursor"]
    assert len(last["data"]) == 1 and last["meta"] == {
        "page": 3,
        "page_size": 2,
        "has_next": False,
        "next_cursor": None,
    }


@pytest.mark.parametrize(
    "query", [{"page_size": 101}, {"page_size": 0}, {"page": 0}, {"cursor": "not-a-cursor"}, {"page": "x"}]
)
def test_bad_paging_parameters_are_a_validation_error(api_client, query):
    response = api_client.get(FEED, query)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def walk(api_client, *, page_size: int, between_pages=None) -> list[str]:
    seen: list[str] = []
    query = {"page_size": page_size}
    pages = 0
    while True:
        body = api_client.get(FEED, query).json()
        seen.extend(item["id"] for item in body["data"])
        pages += 1
        if between_pages:
            between_pages(pages)
        if not body["meta"]["has_next"]:
            return seen
        query = {"page_size": page_size, "cursor": body["meta"]["next_cursor"]}


def test_cursor_walk_visits_every_resource_once(api_client):
    # Ten resources share each instant, so page boundaries fall inside ties on created_at.
    resources = bulk_feed(250, same_instant_every=10)
    seen = walk(api_client, page_size=20)
    assert len(seen) == 250
    assert set(seen) == {str(resource.pk) for resource in resources}


def test_cursor_walk_is_stable_while_new_resources_arrive(api_client):
    resources = bulk_feed(250, same_instant_every=3)
    author = UserFactory()

    def publish_more(pages_read: int) -> None:
        if pages_read in (2, 7):
            ResourceFactory.create_batch(15, author=author)

    seen = walk(api_client, page_size=20, between_pages=publish_more)
    assert len(seen) == len(set(seen)) == 250
    assert set(seen) == {str(resource.pk) for resource in resources}


def test_deep_cursor_page_costs_two_queries(api_client, django_assert_num_queries):
    bulk_feed(60)
    cursor = api_client.get(FEED, {"page_size": 50}).json()["meta"]["next_cursor"]
    with django_assert_num_queries(2):
        body = api_client.get(FEED, {"page_size": 20, "cursor": cursor}).json()
    assert len(body["data"]) == 10 and body["meta"]["page"] is None and body["meta"]["has_next"] is False


def forged_cursor(created_at: str) -> str:
    raw = json.dumps([created_at, uuid.uuid4().hex]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize("created_at", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+23:59"])
def test_cursor_at_the_edge_of_the_calendar_is_a_validation_error(api_client, created_at):
    ResourceFactory()
    response = api_client.get(FEED, {"cursor": forged_cursor(created_at)})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "cursor" in response.json()["error"]["details"]
