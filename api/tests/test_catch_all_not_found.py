"""Every unknown path, with any method, is the JSON 404: the catch-all view has no CSRF check."""

import pytest
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]
# Ids that do not match the routes' <uuid:…> converters fall through to the catch-all.
UNKNOWN_PATHS = ["/api/resources/abc/", "/api/comments/abc/", "/no/such/route/", "/api/feed"]


@pytest.fixture(params=["no-cookie", "session-cookie"])
def browser(request) -> Client:
    """A client that enforces CSRF as a browser's requests meet it, with or without a session."""
    client = Client(enforce_csrf_checks=True)
    if request.param == "session-cookie":
        client.force_login(UserFactory())
        assert client.cookies.get("sessionid")
    return client


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", UNKNOWN_PATHS)
def test_an_unknown_path_is_a_json_404_for_every_method(browser, method, path):
    response = browser.generic(method, path, b'{"title": "x"}', content_type="application/json")
    assert response.status_code == 404, response.content
    assert response["Content-Type"].startswith("application/json")
    if method != "HEAD":
        assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(("method", "path"), [("PATCH", "/api/resources/abc/"), ("DELETE", "/api/comments/abc/")])
def test_a_malformed_id_with_a_valid_jwt_is_404_not_csrf_failed(method, path):
    client = Client(enforce_csrf_checks=True)
    token = AccessToken.for_user(UserFactory())
    response = client.generic(
        method, path, b"{}", content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_admin_still_checks_csrf():
    """The exemption is the catch-all's alone: a cookie-authenticated form still needs the token."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
