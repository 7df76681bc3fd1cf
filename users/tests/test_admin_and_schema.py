import pytest
import yaml

from core.tests.factories import TagFactory
from users.models import UserInterest
from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["user", "profile", "userinterest"])
def test_admin_lists_and_opens_account_records(client, model):
    admin = UserFactory(is_staff=True, is_superuser=True, username="root")
    ada = UserFactory(username="ada")
    UserInterest.objects.create(user=ada, tag=TagFactory())
    client.force_login(admin)
    assert client.get(f"/admin/users/{model}/").status_code == 200
    assert client.get(f"/admin/users/{model}/add/").status_code == 200


def test_admin_opens_a_user_with_profile_and_interests(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    ada = UserFactory(username="ada")
    client.force_login(admin)
    assert client.get(f"/admin/users/user/{ada.pk}/change/").status_code == 200


def test_schema_describes_every_auth_and_user_endpoint(client):
    schema = yaml.safe_load(client.get("/schema/").content)
    paths = schema["paths"]
    for path in [
        "register/",
        "activate/",
        "resend-activation/",
        "login/",
        "token/refresh/",
        "logout/",
        "password-reset/",
        "password-reset/confirm/",
        "google/",
    ]:
        assert "post" in paths[f"/api/auth/{path}"], path
    assert "get" in paths["/api/user/me/"]
    assert "patch" in paths["/api/user/me/profile/"]
    assert "put" in paths["/api/user/me/interests/"]
    login = paths["/api/auth/login/"]["post"]["responses"]
    assert {"200", "401", "403", "429"} <= set(login)
