import pytest

from audit.models import AuditLog
from core.tests.factories import TagFactory
from read_models.users import get_current_user
from users.models import UserInterest
from users.tests.factories import UserFactory
from users.tests.helpers import error_code

pytestmark = pytest.mark.django_db
ME = "/api/user/me/"
PROFILE = "/api/user/me/profile/"
INTERESTS = "/api/user/me/interests/"


@pytest.fixture
def ada():
    return UserFactory(email="ada@example.com")


@pytest.fixture
def as_ada(api_client, ada):
    api_client.force_authenticate(ada)
    return api_client


def test_me_returns_the_seeds_fields(as_ada, ada):
    response = as_ada.get(ME)
    assert response.json() == {
        "status": "ok",
        "data": {
            "id": str(ada.pk),
            "email": "ada@example.com",
            "username": None,
            "activated": True,
            "onboarding_step": "profile",
            "createdAt": ada.created_at.isoformat().replace("+00:00", "Z"),
        },
    }


def test_me_without_a_token_is_401(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401 and error_code(response) == "not_authenticated"


@pytest.mark.parametrize("interests", [0, 1, 30])
def test_me_read_model_is_one_query_however_many_interests(ada, interests, django_assert_num_queries):
    from users.models import Profile

    Profile.objects.create(user=ada, username="ada")
    UserInterest.objects.bulk_create([UserInterest(user=ada, tag=TagFactory()) for _ in range(interests)])
    with django_assert_num_queries(1):
        current = get_current_user(user_id=ada.pk)
    assert current.onboarding_step == ("completed" if interests else "interests")


def test_profile_update_changes_only_the_fields_sent(as_ada, ada):
    response = as_ada.patch(PROFILE, {"username": "ada", "avatar_url": "https://cdn.example.com/a.png"}, format="json")
    assert response.json() == {
        "status": "ok",
        "data": {
            "username": "ada",
            "bio": "",
            "avatar_url": "https://cdn.example.com/a.png",
            "onboarding_step": "interests",
        },
    }
    response = as_ada.patch(PROFILE, {"bio": "Analytical engines."}, format="json")
    assert response.json()["data"]["username"] == "ada"
    assert response.json()["data"]["avatar_url"] == "https://cdn.example.com/a.png"
    audit = AuditLog.objects.filter(entity_name="Profile").order_by("created_at")
    assert [row.after_state for row in audit][-1] == {"bio": "Analytical engines."}
    assert audit.last().actor_id == ada.pk


def test_avatar_can_be_cleared_with_null(as_ada):
    as_ada.patch(PROFILE, {"avatar_url": "https://cdn.example.com/a.png"}, format="json")
    response = as_ada.patch(PROFILE, {"avatar_url": None}, format="json")
    assert response.json()["data"]["avatar_url"] is None


def test_username_taken_is_409_case_insensitively(as_ada):
    UserFactory(username="grace")
    response = as_ada.patch(PROFILE, {"username": "Grace"}, format="json")
    assert response.status_code == 409 and error_code(response) == "username_taken"


def test_keeping_ones_own_username_is_not_a_conflict(as_ada):
    as_ada.patch(PROFILE, {"username": "ada"}, format="json")
    assert as_ada.patch(PROFILE, {"username": "Ada"}, format="json").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "a"},
        {"username": "no spaces"},
        {"username": None},
        {"avatar_url": "javascript:alert(1)"},
        {"bio": "x" * 2001},
    ],
)
def test_invalid_profile_fields_are_400(as_ada, body):
    response = as_ada.patch(PROFILE, body, format="json")
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_interests_replace_the_previous_set(as_ada, ada):
    TagFactory(name="Physics", slug="physics")
    TagFactory(name="Algebra", slug="algebra")
    TagFactory(name="History", slug="history")
    as_ada.put(INTERESTS, {"tags": ["physics", "history"]}, format="json")
    response = as_ada.put(INTERESTS, {"tags": ["physics", "algebra", "algebra"]}, format="json")
    assert response.status_code == 200
    assert response.json()["data"]["tags"] == [
        {"name": "Algebra", "slug": "algebra"},
        {"name": "Physics", "slug": "physics"},
    ]
    assert set(UserInterest.objects.filter(user=ada).values_list("tag__slug", flat=True)) == {"physics", "algebra"}


def test_an_unknown_tag_is_400_and_changes_nothing(as_ada, ada):
    TagFactory(slug="physics")
    response = as_ada.put(INTERESTS, {"tags": ["physics", "alchemy"]}, format="json")
    assert response.status_code == 400 and error_code(response) == "validation_error"
    assert response.json()["error"]["details"] == {"tags": ["Unknown tag: alchemy"]}
    assert not UserInterest.objects.filter(user=ada).exists()


def test_an_empty_list_clears_interests(as_ada, ada):
    TagFactory(slug="physics")
    as_ada.put(INTERESTS, {"tags": ["physics"]}, format="json")
    response = as_ada.put(INTERESTS, {"tags": []}, format="json")
    assert response.json()["data"]["tags"] == []
    assert not UserInterest.objects.filter(user=ada).exists()


def test_profile_and_interests_need_a_signed_in_user(api_client):
    assert api_client.patch(PROFILE, {"bio": "x"}, format="json").status_code == 401
    assert api_client.put(INTERESTS, {"tags": []}, format="json").status_code == 401
