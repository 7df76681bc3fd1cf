"""tags_or_refuse: the one lookup of tags by slug behind a resource's tags and a user's interests."""

import pytest
from rest_framework.test import APIClient

from application.exceptions import UnknownTags, ValidationFailed
from application.use_cases._tags import tags_or_refuse
from core.tests.factories import TagFactory
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_tags_come_back_in_the_order_asked_each_once(django_assert_num_queries):
    physics, algebra = TagFactory(slug="physics"), TagFactory(slug="algebra")
    with django_assert_num_queries(1):
        assert tags_or_refuse(["physics", "algebra", "physics"]) == [physics, algebra]


def test_every_unknown_slug_is_named_in_the_order_asked():
    TagFactory(slug="physics")
    with pytest.raises(UnknownTags) as refused:
        tags_or_refuse(["zoology", "physics", "alchemy", "zoology"])
    assert refused.value.slugs == ["zoology", "alchemy"]
    assert isinstance(refused.value, ValidationFailed)
    assert refused.value.details == {"tags": ["Unknown tag: zoology", "Unknown tag: alchemy"]}


def test_no_slugs_is_no_tags_and_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert tags_or_refuse([]) == []


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("post", "/api/resources/", {"title": "T", "description": "", "visibility": "public", "tags": ["alchemy"]}),
        ("put", "/api/user/me/interests/", {"tags": ["alchemy"]}),
    ],
    ids=["resource tags", "interests"],
)
def test_both_callers_refuse_an_unknown_slug_with_the_same_error(method, url, body):
    client = APIClient()
    client.force_authenticate(UserFactory())
    response = getattr(client, method)(url, body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": "Some tags do not exist.",
        "details": {"tags": ["Unknown tag: alchemy"]},
    }
