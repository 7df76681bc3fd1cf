import pytest

from resources.tests.factories import ResourceFactory
from users.models import Profile
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("resources", [0, 1, 12])
def test_author_profile_costs_two_queries(api_client, django_assert_num_queries, resources):
    author = UserFactory(username="hopper")
    ResourceFactory.create_batch(resources, author=author)
    with django_assert_num_queries(2):
        response = api_client.get(f"/api/authors/{author.pk}/")
    assert response.json()["data"]["stats"]["total_resources"] == resources


def test_profile_has_the_contract_fields_and_five_newest(api_client):
    author = UserFactory(username="hopper")
    Profile.objects.filter(user=author).update(bio="Compilers.", avatar_url="https://img.example.com/h.png")
    made = ResourceFactory.create_batch(7, author=author)
    data = api_client.get(f"/api/authors/{author.pk}/").json()["data"]
    assert {key: data[key] for key in ("id", "username", "bio", "avatar_url", "stats")} == {
        "id": str(author.pk),
        "username": "hopper",
        "bio": "Compilers.",
        "avatar_url": "https://img.example.com/h.png",
        "stats": {"total_resources": 7},
    }
    assert [item["id"] for item in data["recent_resources"]] == [str(r.pk) for r in reversed(made)][:5]
    assert set(data["recent_resources"][0]) == {"id", "title", "visibility", "created_at"}


def test_profile_never_shows_the_email(api_client):
    author = UserFactory(email="private.mail@example.com")
    body = api_client.get(f"/api/authors/{author.pk}/").content.decode()
    assert "private.mail" not in body


@pytest.mark.parametrize("author_id", ["00000000-0000-0000-0000-000000000000", None])
def test_unknown_or_deactivated_author_is_404(api_client, author_id):
    if author_id is None:
        author_id = UserFactory(is_active=False).pk
    assert api_client.get(f"/api/authors/{author_id}/").status_code == 404
